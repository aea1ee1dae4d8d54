"""GraphQL types of the org tree (党组织)."""

import datetime as dt
from typing import Annotated, Self

import strawberry
from sqlalchemy import Row

from models import BranchKind, MemberStatus, OrgLevel, OrgType
from resolvers import member as member_resolvers
from resolvers import org as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.account import AccountOrganization
from schema.activity import ActivityOrganization
from schema.checkin import CheckInOrganization
from schema.development import DevelopmentOrganization
from schema.dues import DuesOrganization
from schema.floating import FloatingOrganization
from schema.governance import GovernanceOrganization
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
from schema.shared import (
    INPUT,
    Breadcrumb,
    CountByKey,
    MemberRef,
    counts,
    member_by_id,
    member_from_row,
)
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
    secretary_id: strawberry.Private[int | None]
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
    contact_person: str | None = strawberry.field(description="Contact person (联系人).")
    contact_phone: str | None = strawberry.field(
        description="Office telephone (联系电话), not a member's own."
    )
    address: str | None = strawberry.field(description="Office address (办公地址).")
    secretary_vacant_since: dt.date | None = strawberry.field(
        description="Since when the secretary post (书记) has been vacant; null while held or "
        "not recorded."
    )
    dissolved_on: dt.date | None = strawberry.field(
        description="Date dissolved (撤销); a dissolved organisation is kept for its history "
        "but left out of the tree's lists."
    )
    version: int = strawberry.field(
        description="Changes with every update: give it as `expectedVersion`."
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Organization", row.id)),
            pk=row.id,
            path=row.path,
            parent_id=row.parent_id,
            secretary_id=row.secretary_id,
            name=row.name,
            code=row.code,
            level=row.level,
            org_type=row.org_type,
            branch_kind=row.branch_kind,
            depth=row.depth,
            established_on=row.established_on,
            term_years=row.term_years,
            last_election_on=row.last_election_on,
            contact_person=row.contact_person,
            contact_phone=row.contact_phone,
            address=row.address,
            secretary_vacant_since=row.secretary_vacant_since,
            dissolved_on=row.dissolved_on,
            version=row.version,
        )

    @strawberry.field(
        description="The member holding the secretary post (书记), where you may see them."
    )
    async def secretary(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.secretary_id)

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
    GovernanceOrganization,
):
    """The tree's fields first, then each area's (the order of the SDL)."""


async def org_node(ctx: Context, pk: int | None) -> Organization | None:
    """A visible organisation as its GraphQL type; None when missing or out of scope."""
    row = await resolvers.get_org(ctx, pk)
    return Organization.from_row(row) if row else None


def _org_pk(gid: str | None) -> int | None:
    return pk_of(gid, "Organization") if gid else None


@strawberry.input(description="Set up an organisation under a parent (成立党组织).")
class CreateOrganizationInput:
    parent_id: strawberry.ID = strawberry.field(
        description="The parent; its level decides which levels it may hold."
    )
    name: str = strawberry.field(description="Full name, e.g. 中共浒溪社区第三党支部.")
    code: str = strawberry.field(description="Organisation code (党组织代码), unique.")
    level: OrgLevel = strawberry.field(description="Level in the tree.")
    org_type: OrgType = strawberry.field(description="The kind of unit it is built in.")
    branch_kind: BranchKind | None = strawberry.field(
        default=None, description="For branches only; REGULAR by default."
    )
    established_on: dt.date | None = strawberry.field(
        default=None, description="Date founded; not after today."
    )
    contact_person: str | None = strawberry.field(default=None, description="Contact person.")
    contact_phone: str | None = strawberry.field(default=None, description="Office telephone.")
    address: str | None = strawberry.field(default=None, description="Office address.")


@strawberry.input(description="Change an organisation; omitted fields stay as they are.")
class UpdateOrganizationInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation.")
    expected_version: int = strawberry.field(
        description="The version you read; a stale one gets CONFLICT."
    )
    name: str | None = strawberry.field(default=None, description="New full name.")
    org_type: OrgType | None = strawberry.field(default=None, description="New unit kind.")
    contact_person: str | None = strawberry.field(
        default=None, description="Contact person; empty clears it."
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="Office telephone; empty clears it."
    )
    address: str | None = strawberry.field(
        default=None, description="Office address; empty clears it."
    )
    secretary_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Appoint this full member (正式党员) of the organisation or below to the "
        "secretary post.",
    )
    vacate_secretary: bool = strawberry.field(
        default=False, description="The secretary post becomes vacant today."
    )


@strawberry.input(description="Move an organisation with everything below it to a new parent.")
class MoveOrganizationInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation moved.")
    new_parent_id: strawberry.ID = strawberry.field(
        description="Its new parent, outside its own subtree, of a level that may hold it."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read, if you want it checked."
    )


@strawberry.input(description="Dissolve an organisation (撤销), kept for its history.")
class DissolveOrganizationInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation.")
    merge_into_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A branch to move its members into first; without it, it must be empty.",
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read, if you want it checked."
    )


@strawberry.type(description="Result of an organisation change.")
class OrganizationPayload:
    organization: Organization | None = strawberry.field(
        description="The organisation as it is now."
    )


@strawberry.type
class OrgMutation:
    @strawberry.mutation(description="Set up an organisation under a parent you administer.")
    async def create_organization(
        self, info: strawberry.Info, input: Annotated[CreateOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        ctx = info.context
        new = resolvers.NewOrg(
            parent_id=_org_pk(input.parent_id),
            name=input.name,
            code=input.code,
            level=input.level,
            org_type=input.org_type,
            branch_kind=input.branch_kind,
            established_on=input.established_on,
            contact_person=input.contact_person,
            contact_phone=input.contact_phone,
            address=input.address,
        )
        pk = await perform(ctx, info.field_name, resolvers.create_org, new)
        return OrganizationPayload(organization=await org_node(ctx, pk))

    @strawberry.mutation(
        description="Change an organisation's name, type, contact or secretary post."
    )
    async def update_organization(
        self, info: strawberry.Info, input: Annotated[UpdateOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        ctx = info.context
        changes = resolvers.OrgChanges(
            name=input.name,
            org_type=input.org_type,
            contact_person=input.contact_person,
            contact_phone=input.contact_phone,
            address=input.address,
            secretary_id=(pk_of(input.secretary_id, "Member") or -1)
            if input.secretary_id
            else None,
            vacate_secretary=input.vacate_secretary,
        )
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.update_org,
            _org_pk(input.organization_id),
            input.expected_version,
            changes,
        )
        return OrganizationPayload(organization=await org_node(ctx, pk))

    @strawberry.mutation(
        description="Move an organisation and its whole subtree under another parent; you "
        "must administer both the old and the new parent."
    )
    async def move_organization(
        self, info: strawberry.Info, input: Annotated[MoveOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.move_org,
            _org_pk(input.organization_id),
            _org_pk(input.new_parent_id),
            input.expected_version,
        )
        return OrganizationPayload(organization=await org_node(ctx, pk))

    @strawberry.mutation(
        description="Dissolve an empty organisation, or one whose members move to `mergeIntoId`."
    )
    async def dissolve_organization(
        self, info: strawberry.Info, input: Annotated[DissolveOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.dissolve_org,
            _org_pk(input.organization_id),
            _org_pk(input.merge_into_id),
            input.expected_version,
        )
        return OrganizationPayload(organization=await org_node(ctx, pk))
