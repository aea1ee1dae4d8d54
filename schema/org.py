"""GraphQL types of the org tree (党组织)."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import Row

from models import BranchKind, CheckInStatus, MemberStatus, OrgLevel, OrgType
from resolvers import member as member_resolvers
from resolvers import org as resolvers
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.relay import After, Connection, First, Node, Subtree, Under, connection, node_fields

if TYPE_CHECKING:
    from schema.checkin import CheckIn, CheckInSummary, ServiceTeam
    from schema.development import DevelopmentBoard, DevelopmentCase
    from schema.dues import BranchDues, DuesArrear, DuesCollection
    from schema.member import Member

OnlyStatus = Annotated[
    MemberStatus | None, strawberry.argument(description="Only members of this status.")
]
MemberRef = Annotated["Member", strawberry.lazy("schema.member")]
CheckInRef = Annotated["CheckIn", strawberry.lazy("schema.checkin")]
CollectionRef = Annotated["DuesCollection", strawberry.lazy("schema.dues")]
ArrearRef = Annotated["DuesArrear", strawberry.lazy("schema.dues")]
BranchDuesRef = Annotated["BranchDues", strawberry.lazy("schema.dues")]
BoardRef = Annotated["DevelopmentBoard", strawberry.lazy("schema.development")]
CaseRef = Annotated["DevelopmentCase", strawberry.lazy("schema.development")]
TeamRef = Annotated["ServiceTeam", strawberry.lazy("schema.checkin")]
SummaryRef = Annotated["CheckInSummary", strawberry.lazy("schema.checkin")]
PeriodArg = Annotated[
    str | None,
    strawberry.argument(
        description="Reporting period: YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD; the "
        "current year by default."
    ),
]
CheckInStatusArg = Annotated[
    CheckInStatus | None, strawberry.argument(description="Only check-ins of this status.")
]


@strawberry.type(description="An organisation above or around your scope: name and level only.")
class Breadcrumb:
    id: strawberry.ID = strawberry.field(description="Global ID of the organisation.")
    name: str = strawberry.field(description="Full name, e.g. 中共重庆市江津区委员会.")
    level: OrgLevel = strawberry.field(description="Level in the tree.")

    @classmethod
    def from_row(cls, row: Row) -> "Breadcrumb":
        return cls(
            id=strawberry.ID(to_global_id("Organization", row.id)), name=row.name, level=row.level
        )


@strawberry.type(description="How many items fall under one key (a status, a level, …).")
class CountByKey:
    key: str = strawberry.field(description="The grouping value, e.g. `FULL` or `30_39`.")
    count: int = strawberry.field(description="Number of items with that value.")


def _counts(values: dict[str, int]) -> list[CountByKey]:
    return [CountByKey(key=k, count=v) for k, v in sorted(values.items())]


@strawberry.type(description="Statistics of an organisation's subtree, within your scope.")
class OrgStats:
    data: strawberry.Private[dict[str, dict[str, int]]]

    @strawberry.field(description="Organisations in the subtree by level (itself included).")
    def by_level(self) -> list[CountByKey]:
        return _counts(self.data["level"])

    @strawberry.field(description="Members by status (申请人 … 正式党员).")
    def by_status(self) -> list[CountByKey]:
        return _counts(self.data["status"])

    @strawberry.field(description="Members by gender.")
    def by_gender(self) -> list[CountByKey]:
        return _counts(self.data["gender"])

    @strawberry.field(description="Members by age band: UNDER_30, 30_39, …, 70_PLUS.")
    def by_age_band(self) -> list[CountByKey]:
        return _counts(self.data["age_band"])

    @strawberry.field(description="Members by education (学历).")
    def by_education(self) -> list[CountByKey]:
        return _counts(self.data["education"])

    @strawberry.field(description="All members of the subtree (every status).")
    def member_total(self) -> int:
        return sum(self.data["status"].values())


@strawberry.type(description="A Party organisation (党组织): committee, branch or group.")
class Organization(Node):
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
    def from_row(cls, row: Row) -> "Organization":
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
        self, info: strawberry.Info, first: First = 20, after: After = None
    ) -> Connection["Organization"]:
        page = await resolvers.children(info.context, self.pk, first, after)
        return connection(page, Organization.from_row)

    @strawberry.field(
        description="Members of this organisation; with `subtree` (default) also "
        "those of every organisation below it."
    )
    async def members(
        self,
        info: strawberry.Info,
        subtree: Subtree = True,
        first: First = 20,
        after: After = None,
    ) -> Connection[MemberRef]:
        from schema.member import Member

        key = member_resolvers.OrgMembersKey(self.pk, self.path, subtree, first, after)
        page = await member_resolvers.org_members(info.context, key)
        return connection(page, lambda r: Member.from_row(info.context, r))

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

    @strawberry.field(
        description="Members checked in at communities of this subtree (the "
        "community view), with their verified hours in the period."
    )
    async def check_ins(
        self,
        info: strawberry.Info,
        status: CheckInStatusArg = None,
        employer_under: Under = None,
        period: PeriodArg = None,
        min_hours: Annotated[
            float | None,
            strawberry.argument(description="Only members with at least this many verified hours."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[CheckInRef]:
        from schema.checkin import org_check_ins

        employer = await resolvers.under_path(info.context, employer_under)
        return await org_check_ins(
            info.context,
            self.path,
            employer_side=False,
            period=period,
            status=status,
            employer_under=employer,
            min_hours=min_hours,
            first=first,
            after=after,
            with_members="member" in node_fields(info),
        )

    @strawberry.field(description="红岩先锋 volunteer service teams of this subtree's communities.")
    async def service_teams(self, info: strawberry.Info) -> list[TeamRef]:
        from schema.checkin import org_teams

        return await org_teams(info.context, self.path)

    @strawberry.field(description="Check-in figures of this subtree for the period.")
    async def check_in_summary(self, info: strawberry.Info, period: PeriodArg = None) -> SummaryRef:
        from schema.checkin import org_summary

        return await org_summary(info.context, self.path, period)

    @strawberry.field(
        description="The employer side: members of this subtree checked in at "
        "any community, with their hours (the community's report-back)."
    )
    async def staff_check_ins(
        self,
        info: strawberry.Info,
        status: CheckInStatusArg = None,
        period: PeriodArg = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[CheckInRef]:
        from schema.checkin import org_check_ins

        return await org_check_ins(
            info.context,
            self.path,
            employer_side=True,
            period=period,
            status=status,
            employer_under=None,
            min_hours=None,
            first=first,
            after=after,
            with_members="member" in node_fields(info),
        )

    @strawberry.field(description="Dues collection of this subtree for a month (党费收缴).")
    async def dues(
        self,
        info: strawberry.Info,
        month: Annotated[
            str | None, strawberry.argument(description="YYYY-MM; the current month by default.")
        ] = None,
    ) -> CollectionRef:
        from schema.dues import org_collection

        return await org_collection(info.context, self.path, month)

    @strawberry.field(
        description="Members of this subtree behind with dues at a month; with "
        "the default of 6 months, those to be flagged as self-lapse."
    )
    async def dues_arrears(
        self,
        info: strawberry.Info,
        month: Annotated[
            str | None, strawberry.argument(description="YYYY-MM; the current month by default.")
        ] = None,
        min_months: Annotated[
            int, strawberry.argument(description="At least this many consecutive unpaid months.")
        ] = 6,
        first: First = 20,
        after: After = None,
    ) -> Connection[ArrearRef]:
        from schema.dues import org_arrears

        return await org_arrears(info.context, self.path, month, min_months, first, after)

    @strawberry.field(
        description="The yearly publication of each branch's dues figures in "
        "this subtree (党费公示)."
    )
    async def dues_publication(
        self,
        info: strawberry.Info,
        year: Annotated[
            int | None,
            strawberry.argument(description="Calendar year; the current year by default."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[BranchDuesRef]:
        from schema.dues import org_publication

        return await org_publication(info.context, self.path, year, first, after)

    @strawberry.field(
        description="The development pipeline of this subtree: open cases by "
        "stage and step, overdue steps, cases waiting at your tier."
    )
    async def development_board(self, info: strawberry.Info) -> BoardRef:
        from schema.development import org_board

        return await org_board(info.context, self.path)

    @strawberry.field(description="Open development cases of this subtree.")
    async def development_cases(
        self,
        info: strawberry.Info,
        stage: Annotated[
            str | None,
            strawberry.argument(description="Only this stage (APPLICATION … PROBATION)."),
        ] = None,
        step: Annotated[
            int | None, strawberry.argument(description="Only cases whose next step is this one.")
        ] = None,
        overdue: Annotated[
            bool | None,
            strawberry.argument(description="Only overdue (true) or not overdue (false) cases."),
        ] = None,
        waiting_for_me: Annotated[
            bool,
            strawberry.argument(description="Only cases whose next step is taken at your tier."),
        ] = False,
        first: First = 20,
        after: After = None,
    ) -> Connection[CaseRef]:
        from schema.development import org_cases

        return await org_cases(
            info.context, self.path, stage, step, overdue, waiting_for_me, first, after
        )


async def org_node(ctx: Context, pk: int | None) -> Organization | None:
    """A visible organisation as its GraphQL type; None when missing or out of scope."""
    row = await resolvers.get_org(ctx, pk)
    return Organization.from_row(row) if row else None
