"""GraphQL types of the caller's account."""

import strawberry

from resolvers import account as resolvers
from schema.member import Member, member_node
from schema.shared import Breadcrumb


@strawberry.type(description="A role the caller holds over the subtree of one organisation.")
class Grant:
    role: str = strawberry.field(
        description="Role name: city_admin, district_admin, street_admin, community_secretary, "
        "branch_secretary, auditor or member (self only)."
    )
    scope: Breadcrumb = strawberry.field(description="The organisation the role applies to.")


@strawberry.type(description="The authenticated caller.")
class Viewer:
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Name shown in the interface.")
    member_id: strawberry.Private[int | None]

    @strawberry.field(description="The caller's own member record, if they are a member.")
    async def member(self, info: strawberry.Info) -> Member | None:
        return await member_node(info.context, self.member_id)

    @strawberry.field(description="Roles held and where.")
    async def grants(self, info: strawberry.Info) -> list[Grant]:
        return [
            Grant(role=g.role, scope=Breadcrumb.from_row(row))
            for g, row in await resolvers.grant_scopes(info.context)
        ]
