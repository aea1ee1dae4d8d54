"""GraphQL types of the caller's account."""

import strawberry
from sqlalchemy import Row

from authz.principal import Grant as GrantHeld
from authz.principal import Principal
from resolvers import account as resolvers
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.member import Member, member_node
from schema.relay import Node
from schema.shared import Breadcrumb


@strawberry.type(
    description="A role the caller holds over the subtree of one organisation; `node` finds it "
    "for that caller alone."
)
class Grant(Node):
    role: str = strawberry.field(
        description="Role name: city_admin, district_admin, street_admin, community_secretary, "
        "branch_secretary, auditor or member (self only)."
    )
    scope: Breadcrumb = strawberry.field(description="The organisation the role applies to.")

    @classmethod
    def of(cls, grant: GrantHeld, row: Row) -> "Grant":
        return cls(
            id=strawberry.ID(to_global_id("Grant", grant.id)),
            role=grant.role,
            scope=Breadcrumb.from_row(row),
        )


@strawberry.type(
    description="The authenticated caller; its ID is the account's, and `node` finds it for "
    "that account alone."
)
class Viewer(Node):
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Name shown in the interface.")
    member_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, p: Principal) -> "Viewer":
        return cls(
            id=strawberry.ID(to_global_id("Viewer", p.account_id)),
            username=p.username,
            display_name=p.display_name,
            member_id=p.member_id,
        )

    @strawberry.field(description="The caller's own member record, if they are a member.")
    async def member(self, info: strawberry.Info) -> Member | None:
        return await member_node(info.context, self.member_id)

    @strawberry.field(description="Roles held and where.")
    async def grants(self, info: strawberry.Info) -> list[Grant]:
        return [Grant.of(g, row) for g, row in await resolvers.grant_scopes(info.context)]


async def viewer_node(ctx: Context, pk: int) -> Viewer | None:
    """The caller's own viewer; any other account's id is as missing."""
    p = ctx.require()
    return Viewer.of(p) if pk == p.account_id else None


async def grant_node(ctx: Context, pk: int) -> Grant | None:
    """One of the caller's own grants; anyone else's id is as missing."""
    for g, row in await resolvers.grant_scopes(ctx):
        if g.id == pk:
            return Grant.of(g, row)
    return None
