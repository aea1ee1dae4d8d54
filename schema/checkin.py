"""GraphQL types of community check-in (在职党员到社区报到) and volunteer service."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import Row

from domain.calendar import Period, parse_period
from models import CheckInStatus, OrgLevel, ServiceMethod, ServiceStatus
from resolvers import checkin as resolvers
from resolvers import org as org_resolvers
from resolvers.context import Context, Later
from resolvers.ids import pk_of, to_global_id
from resolvers.pagination import Window
from resolvers.rows import Columns
from resolvers.write import perform
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
from schema.shared import (
    INPUT,
    Breadcrumb,
    MemberRef,
    PeriodArg,
    crumb,
    linked_member_of,
    member_of,
)

if TYPE_CHECKING:  # the runtime reference is lazy: schema/shared.py
    from schema.member import Member

CheckInStatusArg = Annotated[
    CheckInStatus | None, strawberry.argument(description="Only check-ins of this status.")
]


def _crumb(row: Row, prefix: str) -> Breadcrumb | None:
    """The org named by `<prefix>_id` / `<prefix>_org_id`, `<prefix>_name`, `<prefix>_level`."""
    org_id = getattr(row, f"{prefix}_id", None) or getattr(row, f"{prefix}_org_id", None)
    return crumb(org_id, getattr(row, f"{prefix}_name"), getattr(row, f"{prefix}_level"))


CHECK_IN_FIELDS = Columns(
    "id", "member_id", "community_id", "community_name", "community_level", "employer_org_id",
    "employer_name", "employer_level", "grid_org_id", "grid_name", "grid_level", "reported_on",
    "status", "ended_on", "verified_minutes", "service_count", "last_service_at",
)  # fmt: skip


@strawberry.type(
    description="Volunteer service by a member in a community (志愿服务记录), "
    "with its 三提三知 method and review status."
)
class ServiceRecord(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int]
    community: Breadcrumb = strawberry.field(description="Where the service was given.")
    method: ServiceMethod = strawberry.field(description="三提三知 method.")
    started_at: dt.datetime = strawberry.field(description="Start.")
    ended_at: dt.datetime = strawberry.field(description="End.")
    minutes: int = strawberry.field(description="Duration in minutes.")
    description: str = strawberry.field(description="What was done.")
    status: ServiceStatus = strawberry.field(description="Review status.")
    verified_at: dt.datetime | None = strawberry.field(description="When it was reviewed.")
    review_note: str | None = strawberry.field(description="The reviewer's note.")

    @classmethod
    def from_row(cls, row: Row) -> "ServiceRecord":
        return cls(
            id=strawberry.ID(to_global_id("ServiceRecord", row.id)),
            pk=row.id,
            member_id=row.member_id,
            community=_crumb(row, "community"),  # type: ignore[arg-type]
            method=row.method,
            started_at=row.started_at,
            ended_at=row.ended_at,
            minutes=row.minutes,
            description=row.description,
            status=row.status,
            verified_at=row.verified_at,
            review_note=row.review_note,
        )

    @strawberry.field(description="Who served (PII masked unless you manage their org).")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)


async def linked_member_node(ctx: Context, pk: int) -> "Member | None":
    """What `node` finds of a member: in the caller's member scope, or checked in where the
    caller sees it (as check-ins, services and teams show members)."""
    return await linked_member_of(ctx, pk)


@strawberry.type(description="A grid volunteer post (网格志愿者岗) held by a checked-in member.")
class VolunteerPost:
    title: str = strawberry.field(description="The post, e.g. 网格志愿者.")
    started_on: dt.date = strawberry.field(description="Held since.")
    grid: Breadcrumb | None = strawberry.field(description="The grid branch served.")
    team: str | None = strawberry.field(description="The 红岩先锋 team it belongs to.")

    @classmethod
    def from_row(cls, row: Row) -> "VolunteerPost":
        return cls(
            title=row.title, started_on=row.started_on, grid=_crumb(row, "grid"), team=row.team_name
        )


@strawberry.type(description="A community's 红岩先锋 volunteer service team.")
class ServiceTeam(Node):
    name: str = strawberry.field(description="Team name, e.g. 浒溪社区红岩先锋平安巡逻服务队.")
    community: Breadcrumb = strawberry.field(description="The community it serves.")
    leader_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Row) -> "ServiceTeam":
        return cls(
            id=strawberry.ID(to_global_id("ServiceTeam", row.id)),
            name=row.name,
            community=_crumb(row, "community"),  # type: ignore[arg-type]
            leader_id=row.leader_member_id,
        )

    @strawberry.field(description="The team leader, if you may see them.")
    async def leader(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.leader_id)


async def org_teams(ctx: Context, path: str) -> list[ServiceTeam]:
    return [ServiceTeam.from_row(r) for r in await resolvers.teams(ctx, path)]


@strawberry.type(
    description="An in-service member's report to a residential community "
    "(在职党员到社区报到), with verified service in the chosen period."
)
class CheckIn(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int]
    period: strawberry.Private[Period]
    community: Breadcrumb = strawberry.field(description="The residential community.")
    employer: Breadcrumb = strawberry.field(
        description="The member's own (employer) organisation, which receives the report-back."
    )
    grid: Breadcrumb | None = strawberry.field(description="The grid branch served, if any.")
    reported_on: dt.date = strawberry.field(description="Date of reporting (报到).")
    status: CheckInStatus = strawberry.field(description="Active or ended.")
    ended_on: dt.date | None = strawberry.field(description="Date ended, if ended.")
    verified_hours: float = strawberry.field(description="Verified volunteer hours in the period.")
    service_count: int = strawberry.field(description="Verified service records in the period.")
    last_service_at: dt.datetime | None = strawberry.field(
        description="Start of the latest verified service in the period."
    )
    # loaded with the page when selected (a plain field then), else a `Later` load
    member: MemberRef | None = strawberry.field(
        description="The member (PII masked unless you manage their org)."
    )

    @classmethod
    def from_row(
        cls, ctx: Context, row: Row, period: Period, members: dict[int, "Member | None"] | None
    ) -> "CheckIn":
        """`members` holds the members loaded with the page; without, each loads when read."""
        (pk, member_id, community, community_name, community_level, employer, employer_name,
         employer_level, grid, grid_name, grid_level, reported_on, status, ended_on, minutes,
         service_count, last_service_at) = CHECK_IN_FIELDS(row)  # fmt: skip
        return cls(
            id=strawberry.ID(to_global_id("CheckIn", pk)),
            pk=pk,
            member_id=member_id,
            period=period,
            community=crumb(community, community_name, community_level),  # type: ignore[arg-type]
            employer=crumb(employer, employer_name, employer_level),  # type: ignore[arg-type]
            grid=crumb(grid, grid_name, grid_level),
            reported_on=reported_on,
            status=status,
            ended_on=ended_on,
            verified_hours=round(minutes / 60, 2),
            service_count=service_count,
            last_service_at=last_service_at,
            # a Later is awaited by the executor when the field is selected
            member=Later(lambda: linked_member_of(ctx, member_id))  # type: ignore[arg-type]
            if members is None
            else members[member_id],
        )

    @strawberry.field(description="Grid volunteer posts held through this check-in.")
    async def volunteer_posts(self, info: strawberry.Info) -> list[VolunteerPost]:
        return [VolunteerPost.from_row(r) for r in await resolvers.posts(info.context, self.pk)]

    @strawberry.field(description="Service records of this check-in in the period, newest first.")
    async def services(
        self,
        info: strawberry.Info,
        status: Annotated[
            ServiceStatus | None, strawberry.argument(description="Only this review status.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ServiceRecord]:
        key = resolvers.ServicesKey(
            self.pk, self.period, status, window(info, first, after, last, before)
        )
        page = await resolvers.services(info.context, key)
        return connection(page, ServiceRecord.from_row)


@strawberry.type(description="A community's check-in figures for a period (the community view).")
class CheckInSummary:
    period_start: dt.date = strawberry.field(description="First day of the period.")
    period_end: dt.date = strawberry.field(description="Last day of the period.")
    checked_in_members: int = strawberry.field(
        description="Members with an active check-in in the subtree."
    )
    employers_represented: int = strawberry.field(
        description="Distinct employer organisations among them."
    )
    verified_hours: float = strawberry.field(
        description="Verified volunteer hours in the period (checked-in and own members)."
    )
    hours_target: float = strawberry.field(
        description="Hours each checked-in member should serve in the period (the yearly "
        "target, pro-rated for shorter periods)."
    )
    members_meeting_target: int = strawberry.field(
        description="Checked-in members whose verified hours reach the target."
    )
    own_members_serving: int = strawberry.field(
        description="Members of the community's own branches with verified service."
    )


async def org_check_ins(
    ctx: Context,
    path: str,
    *,
    employer_side: bool,
    period: str | None,
    status: CheckInStatus | None,
    employer_under: str | None,
    min_hours: float | None,
    window: Window,
    with_members: bool,
) -> Connection[CheckIn]:
    """A page of check-ins; `with_members` loads their members with the page (in the one
    batch the rows would make), so that `member` is a plain field of every row."""
    span = parse_period(period, ctx.today)
    key = resolvers.CheckInsKey(
        path, employer_side, span, window, status, employer_under, min_hours
    )
    page = await resolvers.check_ins(ctx, key)
    members = None
    if with_members:
        ids = list({r.member_id for r in page.items})
        rows = await ctx.loader(resolvers.load_linked_members).load_many(ids)
        members = {pk: member_of(ctx, row) for pk, row in zip(ids, rows, strict=True)}
    return connection(page, lambda r: CheckIn.from_row(ctx, r, span, members))


async def org_summary(ctx: Context, path: str, period: str | None) -> CheckInSummary:
    span = parse_period(period, ctx.today)
    s = await resolvers.summary(ctx, path, span)
    return CheckInSummary(
        period_start=span.start,
        period_end=span.end - dt.timedelta(days=1),
        checked_in_members=s.checked_in_members,
        employers_represented=s.employers_represented,
        verified_hours=round(s.verified_minutes / 60, 2),
        hours_target=s.hours_target,
        members_meeting_target=s.members_meeting_target,
        own_members_serving=s.own_members_serving,
    )


async def member_check_ins(ctx: Context, member_id: int) -> list[CheckIn]:
    span = parse_period(None, ctx.today)
    return [
        CheckIn.from_row(ctx, r, span, None)
        for r in await resolvers.member_check_ins(ctx, member_id, span)
    ]


async def check_in_node(ctx: Context, pk: int) -> CheckIn | None:
    span = parse_period(None, ctx.today)
    row = await resolvers.get_check_in(ctx, pk, span)
    return CheckIn.from_row(ctx, row, span, None) if row else None


async def service_node(ctx: Context, pk: int) -> ServiceRecord | None:
    row = await resolvers.get_service(ctx, pk)
    return ServiceRecord.from_row(row) if row else None


async def team_node(ctx: Context, pk: int) -> ServiceTeam | None:
    row = await resolvers.get_team(ctx, pk)
    return ServiceTeam.from_row(row) if row else None


# ---- the community directory ---------------------------------------------------------------


@strawberry.type(description="A grid branch (网格党支部) of a community, where a member may serve.")
class DirectoryGrid:
    grid_id: strawberry.ID = strawberry.field(
        description="Global ID of the grid branch: the gridId reportCheckIn takes."
    )
    name: str = strawberry.field(description="Full name, e.g. 中共青年塘社区网格第一党支部.")


@strawberry.type(
    description="A community or village (社区/村) of the community directory: its name, where "
    "it lies and its grid branches, and nothing else."
)
class DirectoryCommunity:
    pk: strawberry.Private[int]
    community_id: strawberry.ID = strawberry.field(
        description="Global ID of the community: the communityId reportCheckIn takes."
    )
    name: str = strawberry.field(description="Full name, e.g. 中共浒溪社区党委.")
    level: OrgLevel = strawberry.field(description="COMMUNITY (社区) or VILLAGE (村).")
    street_name: str = strawberry.field(
        description="The street or township (街道/乡镇) it belongs to."
    )
    district_name: str = strawberry.field(description="The district or county (区县).")

    @classmethod
    def from_row(cls, row: Row) -> "DirectoryCommunity":
        return cls(
            pk=row.id,
            community_id=strawberry.ID(to_global_id("Organization", row.id)),
            name=row.name,
            level=row.level,
            street_name=row.street_name,
            district_name=row.district_name,
        )

    @strawberry.field(description="Its grid branches (网格党支部), where checked-in members serve.")
    async def grid_branches(self, info: strawberry.Info) -> list[DirectoryGrid]:
        return [
            DirectoryGrid(grid_id=strawberry.ID(to_global_id("Organization", r.id)), name=r.name)
            for r in await resolvers.grids(info.context, self.pk)
        ]


@strawberry.type
class CheckInQuery:
    @strawberry.field(
        description="The community directory (社区名录): every community and village of the "
        "city, whatever your scope. Deliberately public to every signed-in member, because any "
        "member may report to any community (在职党员到社区报到); reportCheckIn accepts exactly "
        "these communities and their grid branches."
    )
    async def communities(
        self,
        info: strawberry.Info,
        search: Annotated[
            str | None, strawberry.argument(description="Name contains this text.")
        ] = None,
        district: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only communities of this district (区县委)."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[DirectoryCommunity]:
        ctx = info.context
        ctx.require()
        # an id of another kind than an organisation names no district: 0 names no row
        district_id = (pk_of(district, "Organization") or 0) if district is not None else None
        q = resolvers.DirectoryQuery(search=search, district_id=district_id)
        page = await resolvers.communities(ctx, q, window(info, first, after, last, before))
        return connection(page, DirectoryCommunity.from_row)


# ---- mutations -----------------------------------------------------------------------------


@strawberry.input(description="Report to a residential community.")
class ReportCheckInInput:
    community_id: strawberry.ID = strawberry.field(
        description="A community or village of the directory (`communities`)."
    )
    grid_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of that community's grid branches to serve in."
    )


@strawberry.input(description="Log a volunteer service (it waits for the community's review).")
class LogServiceInput:
    check_in_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your active check-in; omit to serve in your own community."
    )
    method: ServiceMethod = strawberry.field(description="三提三知 method.")
    started_at: dt.datetime = strawberry.field(
        description="Start; read in business time unless an offset is given."
    )
    ended_at: dt.datetime = strawberry.field(description="End; at most 24 hours after start.")
    description: str = strawberry.field(description="What was done (1–500 characters).")


@strawberry.input(description="Verify or reject a pending service record.")
class ReviewServiceInput:
    service_record_id: strawberry.ID = strawberry.field(description="The record.")
    approve: bool = strawberry.field(description="True verifies, false rejects.")
    note: str | None = strawberry.field(default=None, description="Reviewer's note.")


@strawberry.input(description="End a check-in; its history stays.")
class EndCheckInInput:
    check_in_id: strawberry.ID = strawberry.field(description="The check-in.")


@strawberry.type(description="Result of a check-in change.")
class CheckInPayload:
    check_in: CheckIn | None = strawberry.field(description="The check-in as it is now.")


@strawberry.type(description="Result of a service-record change.")
class ServiceRecordPayload:
    service_record: ServiceRecord | None = strawberry.field(
        description="The service record as it is now."
    )


@strawberry.type
class CheckInMutation:
    @strawberry.mutation(
        description="Report to a residential community (在职党员到社区报到) of the directory; "
        "any other id is answered as one that names nothing."
    )
    async def report_check_in(
        self, info: strawberry.Info, input: Annotated[ReportCheckInInput, INPUT]
    ) -> CheckInPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.report_check_in,
            pk_of(input.community_id, "Organization"),
            pk_of(input.grid_id, "Organization") if input.grid_id else None,
        )
        return CheckInPayload(check_in=await check_in_node(ctx, pk))

    @strawberry.mutation(
        description="Log volunteer service for review: it may not overlap your other records, "
        "and a business day holds at most 12 hours of your service."
    )
    async def log_service(
        self, info: strawberry.Info, input: Annotated[LogServiceInput, INPUT]
    ) -> ServiceRecordPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.log_service,
            input.check_in_id,
            input.method,
            input.started_at,
            input.ended_at,
            input.description,
        )
        return ServiceRecordPayload(service_record=await service_node(ctx, pk))

    @strawberry.mutation(
        description="Verify or reject a pending service record (community side); never your "
        "own (FORBIDDEN: another official must)."
    )
    async def review_service(
        self, info: strawberry.Info, input: Annotated[ReviewServiceInput, INPUT]
    ) -> ServiceRecordPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.review_service,
            pk_of(input.service_record_id, "ServiceRecord"),
            input.approve,
            input.note,
        )
        return ServiceRecordPayload(service_record=await service_node(ctx, pk))

    @strawberry.mutation(description="End a check-in (the member or the community side).")
    async def end_check_in(
        self, info: strawberry.Info, input: Annotated[EndCheckInInput, INPUT]
    ) -> CheckInPayload:
        ctx = info.context
        pk = await perform(
            ctx, info.field_name, resolvers.end_check_in, pk_of(input.check_in_id, "CheckIn")
        )
        return CheckInPayload(check_in=await check_in_node(ctx, pk))


@strawberry.type
class CheckInOrganization:
    """Check-in fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CheckIn]:
        employer = await org_resolvers.under_path(info.context, employer_under)
        return await org_check_ins(
            info.context,
            self.path,
            employer_side=False,
            period=period,
            status=status,
            employer_under=employer,
            min_hours=min_hours,
            window=window(info, first, after, last, before),
            with_members="member" in node_fields(info),
        )

    @strawberry.field(description="红岩先锋 volunteer service teams of this subtree's communities.")
    async def service_teams(self, info: strawberry.Info) -> list[ServiceTeam]:
        return await org_teams(info.context, self.path)

    @strawberry.field(description="Check-in figures of this subtree for the period.")
    async def check_in_summary(
        self, info: strawberry.Info, period: PeriodArg = None
    ) -> CheckInSummary:
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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CheckIn]:
        return await org_check_ins(
            info.context,
            self.path,
            employer_side=True,
            period=period,
            status=status,
            employer_under=None,
            min_hours=None,
            window=window(info, first, after, last, before),
            with_members="member" in node_fields(info),
        )


@strawberry.type
class CheckInMember:
    """Check-in fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="The member's check-ins you can see (this year's hours), newest first."
    )
    async def check_ins(self, info: strawberry.Info) -> list[CheckIn]:
        return await member_check_ins(info.context, self.pk)
