"""GraphQL view of the audit trail."""

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import Row

from resolvers import audit as resolvers
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    connection,
    window,
)
from schema.shared import node_by_id


@strawberry.type(description="One recorded change (or refused attempt), PII masked.")
class AuditEntry(Node):
    at: dt.datetime = strawberry.field(description="When.")
    username: str | None = strawberry.field(description="Who (null when unauthenticated).")
    roles: str = strawberry.field(description="The roles they held, comma-separated.")
    operation: str = strawberry.field(description="The mutation, e.g. payDues.")
    target: str | None = strawberry.field(
        description="Global ID of the object changed.",
        deprecation_reason="Use `targetNode`, the object itself.",
    )
    success: bool = strawberry.field(description="Whether the change was made.")
    error_code: str | None = strawberry.field(description="Why not, when it failed.")
    before: str | None = strawberry.field(description="JSON of the state before (masked).")
    after: str | None = strawberry.field(description="JSON of the state after (masked).")
    request_id: str = strawberry.field(
        description="The request's ID as answered in X-Request-ID: the caller's, when valid."
    )
    server_request_id: str | None = strawberry.field(
        description="The ID the server gave the request, whatever the caller sent "
        "(null on entries from before it was recorded)."
    )

    @strawberry.field(
        description="The object changed, as it is now; null when gone or outside your scope."
    )
    async def target_node(self, info: strawberry.Info) -> Node | None:
        return None if self.target is None else await node_by_id(info.context, self.target)

    @classmethod
    def from_row(cls, r: Row) -> "AuditEntry":
        return cls(
            id=strawberry.ID(to_global_id("AuditEntry", r.id)),
            at=r.at,
            username=r.username,
            roles=r.roles,
            operation=r.operation,
            target=r.target,
            success=r.success,
            error_code=r.error_code,
            before=r.before,
            after=r.after,
            request_id=r.request_id,
            server_request_id=r.server_request_id,
        )


async def entry_node(ctx: Context, pk: int) -> AuditEntry | None:
    row = await resolvers.get_entry(ctx, pk)
    return AuditEntry.from_row(row) if row else None


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit trail of your scope, newest first (auditors and "
        "district or city administrators)."
    )
    async def audit_log(
        self,
        info: strawberry.Info,
        operation: Annotated[
            str | None, strawberry.argument(description="Only this mutation.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEntry]:
        info.context.require()
        page = await resolvers.audit_log(
            info.context, operation, window(info, first, after, last, before)
        )
        return connection(page, AuditEntry.from_row)
