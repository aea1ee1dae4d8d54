"""The Query root: thin fields delegating to `resolvers`."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, cast

import strawberry

from models import OrgLevel, OrgType
from resolvers import member as member_resolvers
from resolvers import org as org_resolvers
from resolvers import sqljson
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.ids import from_global_id, pk_of
from schema.account import AccountMutation, Viewer, account_node, grant_node, viewer_node
from schema.activity import ActivityMutation, activity_node
from schema.audit import AuditQuery, entry_node
from schema.checkin import (
    CheckInMutation,
    CheckInQuery,
    check_in_node,
    linked_member_node,
    service_node,
    team_node,
)
from schema.cockpit import CockpitQuery
from schema.development import DevelopmentMutation, DevelopmentQuery, case_node
from schema.dues import DuesMutation, payment_node
from schema.floating import FloatingMutation, record_node, suggestion_node, symposium_node
from schema.governance import (
    GovernanceMutation,
    GovernanceQuery,
    change_node,
    term_node,
)
from schema.governance import case_node as rectification_node
from schema.learning import (
    LearningMutation,
    class_node,
    delivery_node,
    pairing_node,
    resource_node,
    session_node,
)
from schema.member import Member, MemberFilter, MemberMutation, MemberOrder, columns_for
from schema.org import Organization, OrgMutation, org_node
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    Under,
    connection,
    node_fields,
    window,
)
from schema.shared import breadcrumb_node
from schema.sqljson import connection_picks
from schema.transfer import TransferMutation, transfer_node

MAX_NODES = 100
Id = Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]


NODE_TYPES: dict[str, Callable[[Context, int], Awaitable[Node | None]]] = {
    "Organization": org_node,
    "Member": linked_member_node,
    "CheckIn": check_in_node,
    "ServiceRecord": service_node,
    "DuesPayment": payment_node,
    "DevelopmentCase": case_node,
    "ServiceTeam": team_node,
    "Breadcrumb": breadcrumb_node,
    "Viewer": viewer_node,
    "Grant": grant_node,
    "Account": account_node,
    "AuditEntry": entry_node,
    "FloatingRecord": record_node,
    "Symposium": symposium_node,
    "Suggestion": suggestion_node,
    "MemberTransfer": transfer_node,
    "Activity": activity_node,
    "StudyResource": resource_node,
    "StudySession": session_node,
    "StudyPairing": pairing_node,
    "StudyDelivery": delivery_node,
    "TrainingClass": class_node,
    "Term": term_node,
    "TermChange": change_node,
    "RectificationCase": rectification_node,
}


async def _node(ctx: Context, kind: str, pk: int) -> Node | None:
    load = NODE_TYPES.get(kind)
    return await load(ctx, pk) if load else None


async def node_of(ctx: Context, gid: str) -> Node | None:
    """The visible object a global id names, or None."""
    return await _node(ctx, *from_global_id(gid))


@strawberry.type(description="Read access to the Party-affairs platform, scoped to the caller.")
class Query(DevelopmentQuery, AuditQuery, CheckInQuery, GovernanceQuery, CockpitQuery):
    @strawberry.field(description="The authenticated caller.")
    def viewer(self, info: strawberry.Info) -> Viewer:
        return Viewer.of(info.context.require())

    @strawberry.field(
        description="Any object by global ID; null when missing or outside your scope."
    )
    async def node(self, info: strawberry.Info, id: Id) -> Node | None:
        info.context.require()
        return await node_of(info.context, id)

    @strawberry.field(
        description=f"Objects by global IDs (at most {MAX_NODES}), in order; null "
        "for each missing or out-of-scope ID."
    )
    async def nodes(
        self,
        info: strawberry.Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None]:
        info.context.require()
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"at most {MAX_NODES} ids")
        # every id is decoded before any I/O: a malformed one fails the field at once, with no
        # load left running on the request's session
        decoded = [from_global_id(i) for i in ids]
        return list(await asyncio.gather(*(_node(info.context, *d) for d in decoded)))

    @strawberry.field(description="One organisation; null when missing or outside your scope.")
    async def organization(self, info: strawberry.Info, id: Id) -> Organization | None:
        info.context.require()
        pk = pk_of(id, "Organization")
        return await org_node(info.context, pk)

    @strawberry.field(
        description="Organisations in your scope, optionally under one "
        "organisation, of one level or type, or by name."
    )
    async def organizations(
        self,
        info: strawberry.Info,
        under: Under = None,
        level: Annotated[
            OrgLevel | None, strawberry.argument(description="Only this level.")
        ] = None,
        org_type: Annotated[
            OrgType | None, strawberry.argument(description="Only this unit type.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Name contains this text.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Organization]:
        ctx = info.context
        ctx.require()
        path = await org_resolvers.under_path(ctx, under)
        q = org_resolvers.OrgQuery(under=path, level=level, org_type=org_type, search=search)
        page = await org_resolvers.list_orgs(ctx, q, window(info, first, after, last, before))
        return connection(page, Organization.from_row)

    @strawberry.field(description="The member directory of your scope, filtered and sorted.")
    async def members(
        self,
        info: strawberry.Info,
        under: Under = None,
        filter: Annotated[
            MemberFilter | None, strawberry.argument(description="Filters; all given must match.")
        ] = None,
        order_by: Annotated[
            MemberOrder | None,
            strawberry.argument(description="Sort order; organisation tree order by default."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Member]:
        ctx = info.context
        ctx.require()
        q = (filter or MemberFilter()).query(await org_resolvers.under_path(ctx, under))
        order = (order_by or MemberOrder()).order()
        asked = window(info, first, after, last, before)
        if ctx.splice and (picks := connection_picks(info)) is not None:
            spliced = await sqljson.page_json(ctx, q, order, asked, picks)
            if spliced is not None:  # the connection's JSON, passed through by the executor
                return cast(Connection[Member], spliced)
        if ctx.direct:
            raise sqljson.NotCompiled
        columns = columns_for(node_fields(info))
        page = await member_resolvers.list_members(ctx, q, order, asked, columns)
        return connection(page, lambda r: Member.from_row(ctx, r))


@strawberry.type(description="Changes; each takes one `input` and returns a payload.")
class Mutation(
    OrgMutation,
    CheckInMutation,
    DuesMutation,
    DevelopmentMutation,
    AccountMutation,
    FloatingMutation,
    MemberMutation,
    TransferMutation,
    ActivityMutation,
    LearningMutation,
    GovernanceMutation,
):
    pass
