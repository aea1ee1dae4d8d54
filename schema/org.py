"""GraphQL types of the org tree (党组织)."""

import datetime as dt
from typing import Annotated, Self

import strawberry
from sqlalchemy import Row

from models import BranchKind, MemberStatus, OrgLevel, OrgType
from resolvers import member as member_resolvers
from resolvers import org as resolvers
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.account import AccountOrganization
from schema.activity import ActivityOrganization
from schema.checkin import CheckInOrganization
from schema.development import DevelopmentOrganization
from schema.dues import DuesOrganization
from schema.floating import FloatingOrganization
from schema.learning import LearningOrganization
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    Subtree,
    connection,
    window,
)
from schema.shared import Breadcrumb, CountByKey, MemberRef, counts, member_from_row
from schema.transfer import TransferOrganization

OnlyStatus = Annotated[
    MemberStatus | None, strawberry.argument(description="Only members of this status.")
]


@strawberry.type(description="Statistics of an organisation's subtree, within your scope.")
class OrgStats:
    data: strawberry.Private[dict[str, dict[str, int]]]

    @strawberry.field(description="Organisations in the subtree by level (itself included).")
    def by_level(self) -> list[CountByKey]:
        return counts(self.data["level"])

    @strawberry.field(description="Members by status (申请人 … 正式党员).")
    def by_status(self) -> list[CountByKey]:
        return counts(self.data["status"])

    @strawberry.field(description="Members by gender.")
    def by_gender(self) -> list[CountByKey]:
        return counts(self.data["gender"])

    @strawberry.field(
        description="Members by the age they reach this year (this year − year of birth): "
        "UNDER_30, 30_39, …, 70_PLUS."
    )
    def by_age_band(self) -> list[CountByKey]:
        return counts(self.data["age_band"])

    @strawberry.field(description="Members by education (学历).")
    def by_education(self) -> list[CountByKey]:
        return counts(self.data["education"])

    @strawberry.field(description="All members of the subtree (every status).")
    def member_total(self) -> int:
        return sum(self.data["status"].values())


@strawberry.type
class OrganizationFields(Node):
    """The org tree's own fields of an organisation; `Organization` adds the areas'."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]
    parent_id: strawberry.Private[int | None]
    name: str = strawberry.field(description="Full name, e.g. 中共浒溪社区党委.")
    code: str = strawberry.field(description="Organisation code (党组织代码).")
    level: OrgLevel = strawberry.field(description="Level in the tree.")
    org_type: OrgType = strawberry.field(description="The kind of unit it is built in.")
    branch_kind: BranchKind | None = strawberry.field(
        description="For branches: regular, grid (网格), floating-member (流动) or joint (联合)."
    )
    depth: int = strawberry.field(description="Distance from the root (the city committee is 0).")
    established_on: dt.date | None = strawberry.field(description="Date founded.")
    term_years: int | None = strawberry.field(description="Length of a term (届), in years.")
    last_election_on: dt.date | None = strawberry.field(
        description="Date of the last re-election (换届)."
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Organization", row.id)),
            pk=row.id,
            path=row.path,
            parent_id=row.parent_id,
            name=row.name,
            code=row.code,
            level=row.level,
            org_type=row.org_type,
            branch_kind=row.branch_kind,
            depth=row.depth,
            established_on=row.established_on,
            term_years=row.term_years,
            last_election_on=row.last_election_on,
        )

    @strawberry.field(
        description="The parent organisation, or null when it lies outside your "
        "scope (see `ancestors`)."
    )
    async def parent(self, info: strawberry.Info) -> "Organization | None":
        return await org_node(info.context, self.parent_id)

    @strawberry.field(description="Breadcrumb trail from the root down to the parent.")
    async def ancestors(self, info: strawberry.Info) -> list[Breadcrumb]:
        return [Breadcrumb.from_row(r) for r in await resolvers.ancestors(info.context, self.path)]

    @strawberry.field(description="Direct child organisations.")
    async def children(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["Organization"]:
        page = await resolvers.children(
            info.context, self.pk, window(info, first, after, last, before)
        )
        return connection(page, Organization.from_row)

    @strawberry.field(
        description="Members of this organisation; with `subtree` (default) also "
        "those of every organisation below it."
    )
    async def members(
        self,
        info: strawberry.Info,
        subtree: Subtree = True,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MemberRef]:
        key = member_resolvers.OrgMembersKey(
            self.pk, self.path, subtree, window(info, first, after, last, before)
        )
        page = await member_resolvers.org_members(info.context, key)
        return connection(page, lambda r: member_from_row(info.context, r))

    @strawberry.field(
        description="Number of members, optionally of one status; `subtree` "
        "(default) counts everything below too."
    )
    async def member_count(
        self, info: strawberry.Info, subtree: Subtree = True, status: OnlyStatus = None
    ) -> int:
        key = resolvers.CountKey(self.pk, self.path, subtree, status)
        return await resolvers.member_count(info.context, key)

    @strawberry.field(description="Statistics of the whole subtree.")
    async def stats(self, info: strawberry.Info) -> OrgStats:
        return OrgStats(data=await resolvers.stats(info.context, self.pk, self.path))


@strawberry.type(description="A Party organisation (党组织): committee, branch or group.")
class Organization(
    OrganizationFields,
    CheckInOrganization,
    DuesOrganization,
    DevelopmentOrganization,
    ActivityOrganization,
    LearningOrganization,
    AccountOrganization,
    FloatingOrganization,
    TransferOrganization,
):
    """The tree's fields first, then each area's (the order of the SDL)."""


async def org_node(ctx: Context, pk: int | None) -> Organization | None:
    """A visible organisation as its GraphQL type; None when missing or out of scope."""
    row = await resolvers.get_org(ctx, pk)
    return Organization.from_row(row) if row else None
