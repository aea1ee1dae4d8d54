"""GraphQL types of organisational life (组织生活): activities (活动发布, 三会一课, 主题党日),
taking part in them, and the compliance board."""

import datetime as dt
import enum
from typing import Annotated

import strawberry
from sqlalchemy import Row

from domain.activity import Attendance, Rule, attendance
from domain.calendar import parse_period
from models import ActivityAudience, ActivityState, ActivityType, ParticipationStatus
from resolvers import activity as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.relay import After, Before, Connection, First, Last, Node, connection, window
from schema.shared import (
    INPUT,
    Breadcrumb,
    MemberRef,
    PeriodArg,
    crumb,
    given,
    linked_member_of,
)


@strawberry.type(
    description="The code members type to sign in, as the organiser's screen shows it."
)
class SignInCode:
    code: str = strawberry.field(
        description="Six digits; a new code after every use and every minute."
    )
    valid_until: dt.datetime = strawberry.field(
        description="When the screen shows the next code (a code also works a minute longer)."
    )


@strawberry.type(description="How many members took part, and how (出席/请假/缺席).")
class AttendanceSummary:
    signed_up: int = strawberry.field(description="Sign-ups holding a place or standing (报名).")
    leave_requested: int = strawberry.field(description="Leave requests waiting (请假待批).")
    present: int = strawberry.field(description="Signed in (出席).")
    excused: int = strawberry.field(description="On approved leave (请假).")
    absent: int = strawberry.field(
        description="Expected and not signed in, once the activity is held (缺席)."
    )


@strawberry.type(description="A member's part in an activity: sign-up, leave, sign-in.")
class ActivityAttendance:
    member_id: strawberry.Private[int]
    status: ParticipationStatus = strawberry.field(description="Sign-up or leave status.")
    attendance: Attendance | None = strawberry.field(
        description="Present, excused or absent (expected before it is held); null for a "
        "cancelled sign-up or activity."
    )
    signed_up_at: dt.datetime | None = strawberry.field(description="When they signed up.")
    signed_in_at: dt.datetime | None = strawberry.field(description="When they signed in.")
    leave_reason: str | None = strawberry.field(description="The reason given for leave.")
    decision_note: str | None = strawberry.field(description="The organiser's note on the leave.")

    @classmethod
    def from_row(cls, row: Row) -> "ActivityAttendance":
        return cls(
            member_id=row.member_id,
            status=row.status,
            attendance=attendance(row.activity_state, row.status, row.signed_in_at is not None),
            signed_up_at=row.signed_up_at,
            signed_in_at=row.signed_in_at,
            leave_reason=row.leave_reason,
            decision_note=row.decision_note,
        )

    @strawberry.field(description="The member (PII masked unless you manage their org).")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)


@strawberry.type(
    description="An activity of organisational life (组织生活): a 主题党日, one of 三会一课, a "
    "民主评议, volunteer service…, published by an organisation for its members, its subtree "
    "and, for a community, the members checked in there."
)
class Activity(Node):
    row: strawberry.Private[Row]
    type: ActivityType = strawberry.field(description="The kind of activity.")
    title: str = strawberry.field(description="Title, e.g. 11月主题党日：学习二十届四中全会精神.")
    organization: Breadcrumb = strawberry.field(description="The organiser (主办党组织).")
    place: str = strawberry.field(description="Where it takes place.")
    starts_at: dt.datetime = strawberry.field(description="Start.")
    ends_at: dt.datetime = strawberry.field(description="End.")
    sign_up_opens_at: dt.datetime | None = strawberry.field(
        description="Sign-up opens (at publication if null)."
    )
    sign_up_closes_at: dt.datetime | None = strawberry.field(
        description="Sign-up closes (at the start if null)."
    )
    capacity: int | None = strawberry.field(description="Places; null for no limit.")
    signed_up: int = strawberry.field(description="Places taken by sign-ups.")
    audience: ActivityAudience = strawberry.field(description="Who is invited.")
    include_checked_in: bool = strawberry.field(
        description="A community's activity is also for the members checked in there."
    )
    state: ActivityState = strawberry.field(description="DRAFT → PUBLISHED → HELD → RECORDED.")
    version: int = strawberry.field(
        description="Changes with every change by the organiser: pass it as `expectedVersion`."
    )
    published_at: dt.datetime | None = strawberry.field(description="When it was published.")
    held_at: dt.datetime | None = strawberry.field(description="When it was marked held.")
    recorded_at: dt.datetime | None = strawberry.field(description="When it was recorded.")
    cancelled_at: dt.datetime | None = strawberry.field(description="When it was cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    minutes: str | None = strawberry.field(description="Minutes (会议纪要), once recorded.")
    resolutions: str | None = strawberry.field(description="Resolutions (决议), once recorded.")
    photos: list[str] = strawberry.field(
        description="Photo references (URLs or stored keys), once recorded."
    )

    @classmethod
    def from_row(cls, row: Row) -> "Activity":
        return cls(
            id=strawberry.ID(to_global_id("Activity", row.id)),
            row=row,
            type=row.kind,
            title=row.title,
            organization=crumb(row.org_id, row.organiser_name, row.organiser_level),  # type: ignore[arg-type]
            place=row.place,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            sign_up_opens_at=row.sign_up_opens_at,
            sign_up_closes_at=row.sign_up_closes_at,
            capacity=row.capacity,
            signed_up=row.signed_up,
            audience=row.audience,
            include_checked_in=row.include_checked_in,
            state=row.state,
            version=row.version,
            published_at=row.published_at,
            held_at=row.held_at,
            recorded_at=row.recorded_at,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            minutes=row.minutes,
            resolutions=row.resolutions,
            photos=row.photos.split("\n") if row.photos else [],
        )

    @strawberry.field(description="Places left; null for no limit.")
    def places_left(self) -> int | None:
        cap = self.row.capacity
        return None if cap is None else max(0, cap - self.row.signed_up)

    @strawberry.field(description="The lecturer of a 党课 (讲课人), if you may see them.")
    async def lecturer(self, info: strawberry.Info) -> MemberRef | None:
        pk = self.row.lecturer_member_id
        return await linked_member_of(info.context, pk)

    @strawberry.field(
        description="For the organiser's screen: the sign-in code now (null unless you may "
        "change the activity and members may sign in, from 30 minutes before the start)."
    )
    def sign_in_code(self, info: strawberry.Info) -> SignInCode | None:
        shown = resolvers.shown_code(info.context, self.row)
        return None if shown is None else SignInCode(code=shown[0], valid_until=shown[1])

    @strawberry.field(description="Your own part in it, if you answered it.")
    async def my_participation(self, info: strawberry.Info) -> ActivityAttendance | None:
        row = await resolvers.own_participation(info.context, self.row.id)
        return ActivityAttendance.from_row(row) if row else None

    @strawberry.field(
        description="Who answered and how (the attendance list): all of them on the "
        "organiser's side, your own part as a member."
    )
    async def attendance(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ActivityAttendance]:
        key = resolvers.AttendanceKey(self.row.id, window(info, first, after, last, before))
        page = await resolvers.attendance_page(info.context, key)
        return connection(page, ActivityAttendance.from_row)

    @strawberry.field(description="Counts of the attendance list you see.")
    async def attendance_summary(self, info: strawberry.Info) -> AttendanceSummary:
        c = await resolvers.attendance_counts(info.context, self.row.id)
        return AttendanceSummary(
            signed_up=c.get(ParticipationStatus.SIGNED_UP.name, 0),
            leave_requested=c.get(ParticipationStatus.LEAVE_REQUESTED.name, 0),
            present=c.get(Attendance.PRESENT.name, 0),
            excused=c.get(Attendance.EXCUSED.name, 0),
            absent=c.get(Attendance.ABSENT.name, 0),
        )


async def activity_node(ctx: Context, pk: int) -> Activity | None:
    row = await resolvers.get_activity(ctx, pk)
    return Activity.from_row(row) if row else None


# ---- the compliance board -----------------------------------------------------------------


@strawberry.type(description="One rule of 三会一课 over the branches counted: cycles due and held.")
class ComplianceRule:
    rule: strawberry.Private[Rule]
    due: int = strawberry.field(description="Branch-cycles due (each branch bound, each cycle).")
    held: int = strawberry.field(description="Of those, the cycles with the activity held.")

    @strawberry.field(description="The activity the rule asks for.")
    def type(self) -> ActivityType:
        return self.rule.kind

    @strawberry.field(description="Its cycle in months: 1 monthly, 3 quarterly, 6, 12 yearly.")
    def cycle_months(self) -> int:
        return self.rule.months

    @strawberry.field(description="Given by the branch secretary (书记讲党课, once a year).")
    def by_secretary(self) -> bool:
        return self.rule.by_secretary

    @strawberry.field(description="Cycles due and not held.")
    def missed(self) -> int:
        return self.due - self.held


def _rules(part: resolvers.BoardPart) -> list[ComplianceRule]:
    return [ComplianceRule(rule=r.rule, due=r.due, held=r.held) for r in part.rules]


@strawberry.type(description="The board's figures for one child organisation of the scope.")
class ChildCompliance:
    organization: Breadcrumb = strawberry.field(description="The child organisation.")
    branches: int = strawberry.field(description="Branches in its subtree (in your scope).")
    branches_missing: int = strawberry.field(
        description="Of those, branches that missed at least one cycle due."
    )
    theme_day_rate: float | None = strawberry.field(
        description="Branch-months with a 主题党日 ÷ branch-months (null when none were due)."
    )
    rules: list[ComplianceRule] = strawberry.field(description="Due and held by rule.")


@strawberry.type(
    description="三会一课 compliance (组织生活 board) of a scope for a period: per rule what "
    "was due and held over its branches, the theme-day rate, and the child organisations "
    "with branches that missed something, worst first. A cycle is due once it has ended and "
    "lies in the period."
)
class LifeCompliance:
    period_start: dt.date = strawberry.field(description="First day of the period.")
    period_end: dt.date = strawberry.field(description="Last day of the period.")
    branches: int = strawberry.field(description="Branches (党支部) counted.")
    branches_missing: int = strawberry.field(description="Branches that missed something due.")
    branch_months: int = strawberry.field(description="Branch-months due (主题党日 every month).")
    branch_months_with_theme_day: int = strawberry.field(
        description="Of those, the months a 主题党日 was held."
    )
    theme_day_rate: float | None = strawberry.field(
        description="Theme-day rate: branch-months with a 主题党日 ÷ branch-months."
    )
    rules: list[ComplianceRule] = strawberry.field(description="Due and held by rule.")
    by_child: list[ChildCompliance] = strawberry.field(
        description="Child organisations, worst first (share of branches missing something)."
    )


def _child(part: resolvers.BoardPart) -> ChildCompliance:
    return ChildCompliance(
        organization=crumb(part.org_id, part.org_name, part.org_level),  # type: ignore[arg-type]
        branches=part.branches,
        branches_missing=part.branches_missing,
        theme_day_rate=part.theme_day_rate,
        rules=_rules(part),
    )


# ---- fields of an organisation and a member ---------------------------------------------------


@strawberry.enum(description="Which of a member's activities to list.")
class MemberActivityList(enum.Enum):
    UPCOMING = strawberry.enum_value(
        "UPCOMING", description="Published, not yet over, the member invited (soonest first)."
    )
    SIGNED_UP = strawberry.enum_value("SIGNED_UP", description="Signed up for (soonest first).")
    ATTENDED = strawberry.enum_value("ATTENDED", description="Signed in at (latest first).")


@strawberry.type
class ActivityOrganization:
    """Activity fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(
        description="The organisation's calendar (活动日历): its activities, and with "
        "`subtree` those below it, by start, in a period (a month: `2026-11`)."
    )
    async def activities(
        self,
        info: strawberry.Info,
        period: Annotated[
            str | None,
            strawberry.argument(
                description="Only activities starting in this period (YYYY, YYYY-Qn, YYYY-MM "
                "or YYYY-MM-DD..YYYY-MM-DD); all by default."
            ),
        ] = None,
        type: Annotated[
            ActivityType | None, strawberry.argument(description="Only this kind.")
        ] = None,
        state: Annotated[
            ActivityState | None, strawberry.argument(description="Only this state.")
        ] = None,
        subtree: Annotated[
            bool, strawberry.argument(description="Include the organisations below.")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        ctx = info.context
        span = parse_period(period, ctx.today) if period is not None else None
        key = resolvers.OrgActivitiesKey(
            self.path, self.pk, subtree, span, type, state, window(info, first, after, last, before)
        )
        return connection(await resolvers.org_activities(ctx, key), Activity.from_row)

    @strawberry.field(
        description="三会一课 compliance of this subtree's branches for the period (the "
        "current year by default)."
    )
    async def life_compliance(
        self, info: strawberry.Info, period: PeriodArg = None
    ) -> LifeCompliance:
        ctx = info.context
        span = parse_period(period, ctx.today)
        level = self.level  # type: ignore[attr-defined]  # OrganizationFields's
        b = await resolvers.board(ctx, resolvers.BoardKey(self.pk, self.path, level, span))
        theme = b.total.theme_day
        return LifeCompliance(
            period_start=span.start,
            period_end=span.end - dt.timedelta(days=1),
            branches=b.total.branches,
            branches_missing=b.total.branches_missing,
            branch_months=theme.due,
            branch_months_with_theme_day=theme.held,
            theme_day_rate=b.total.theme_day_rate,
            rules=_rules(b.total),
            by_child=[_child(c) for c in b.children],
        )


@strawberry.type
class ActivityMember:
    """Activity fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="The member's activities you can see: upcoming ones they are invited "
        "to, those signed up for, or attended."
    )
    async def activities(
        self,
        info: strawberry.Info,
        which: Annotated[
            MemberActivityList, strawberry.argument(description="Which list.")
        ] = MemberActivityList.UPCOMING,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        key = resolvers.MemberActivitiesKey(
            self.pk, which.name, window(info, first, after, last, before)
        )
        return connection(await resolvers.member_activities(info.context, key), Activity.from_row)


# ---- mutations -----------------------------------------------------------------------------------


@strawberry.input(description="Publish an activity (活动发布), or keep it as a draft.")
class PublishActivityInput:
    organization_id: strawberry.ID = strawberry.field(description="The organiser.")
    type: ActivityType = strawberry.field(description="The kind of activity.")
    title: str = strawberry.field(description="Title (1–120 characters).")
    place: str = strawberry.field(description="Where (1–200 characters).")
    starts_at: dt.datetime = strawberry.field(
        description="Start; read in business time unless an offset is given."
    )
    ends_at: dt.datetime = strawberry.field(description="End; at most 24 hours after start.")
    sign_up_opens_at: dt.datetime | None = strawberry.field(
        default=None, description="Sign-up opens (at once if omitted)."
    )
    sign_up_closes_at: dt.datetime | None = strawberry.field(
        default=None, description="Sign-up closes, by the start (the start if omitted)."
    )
    capacity: int | None = strawberry.field(default=None, description="Places; none for no limit.")
    audience: ActivityAudience = strawberry.field(
        default=ActivityAudience.SUBTREE, description="Who is invited."
    )
    include_checked_in: bool = strawberry.field(
        default=False,
        description="A community or village also invites the members checked in there.",
    )
    draft: bool = strawberry.field(
        default=False, description="Keep it as a draft (DRAFT) instead of publishing."
    )


@strawberry.input(description="Change a draft or published activity (versioned).")
class UpdateActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int = strawberry.field(description="The version you read.")
    title: str | None = strawberry.field(default=None, description="New title.")
    place: str | None = strawberry.field(default=None, description="New place.")
    starts_at: dt.datetime | None = strawberry.field(default=None, description="New start.")
    ends_at: dt.datetime | None = strawberry.field(default=None, description="New end.")
    sign_up_opens_at: dt.datetime | None = strawberry.field(
        default=None, description="New opening of sign-up."
    )
    sign_up_closes_at: dt.datetime | None = strawberry.field(
        default=None, description="New close of sign-up."
    )
    capacity: int | None = strawberry.field(
        default=None, description="New number of places (not below the places taken)."
    )
    publish: bool = strawberry.field(default=False, description="Publish a draft.")


@strawberry.input(description="An activity changed by its organiser at a version.")
class ActivityVersionInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input(description="Record a held activity: minutes, resolutions, lecturer, photos.")
class RecordActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int = strawberry.field(description="The version you read.")
    minutes: str = strawberry.field(description="Minutes (会议纪要), up to 2,000 characters.")
    resolutions: str | None = strawberry.field(default=None, description="Resolutions (决议).")
    lecturer_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a 党课: the member who gave it (讲课人)."
    )
    photos: list[str] | None = strawberry.field(
        default=None, description="Photo references: URLs or stored keys (at most 20)."
    )


@strawberry.input(description="Cancel an activity before it is held.")
class CancelActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int = strawberry.field(description="The version you read.")
    reason: str = strawberry.field(description="Why (1–200 characters).")


@strawberry.input(description="An activity you are invited to.")
class ActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")


@strawberry.input(description="Ask for leave (请假) from an activity you are invited to.")
class RequestActivityLeaveInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    reason: str = strawberry.field(description="Why (1–200 characters).")


@strawberry.input(description="Approve or refuse a member's leave request.")
class DecideActivityLeaveInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    member_id: strawberry.ID = strawberry.field(description="The member who asked.")
    approve: bool = strawberry.field(description="True approves, false refuses.")
    note: str | None = strawberry.field(default=None, description="A note to the member.")


@strawberry.input(description="Sign in at an activity with the code on the organiser's screen.")
class SignInToActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="The activity.")
    code: str = strawberry.field(description="The code shown now.")


@strawberry.type(description="Result of an activity change.")
class ActivityPayload:
    activity: Activity | None = strawberry.field(description="The activity as it is now.")


def _pk(gid: strawberry.ID) -> int | None:
    return pk_of(gid, "Activity")


async def _payload(ctx: Context, pk: int) -> ActivityPayload:
    return ActivityPayload(activity=await activity_node(ctx, pk))


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(
        description="Publish an activity for an organisation you run (活动发布): its members, "
        "its subtree, and for a community also the members checked in there."
    )
    async def publish_activity(
        self, info: strawberry.Info, input: Annotated[PublishActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        plan = given(resolvers.Plan, input, kind=input.type)
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.publish,
            pk_of(input.organization_id, "Organization"),
            plan,
            input.draft,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Change a draft or published activity at `expectedVersion` (CONFLICT if "
        "it changed since); `publish` publishes a draft."
    )
    async def update_activity(
        self, info: strawberry.Info, input: Annotated[UpdateActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        changes = given(resolvers.Changes, input)
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.update_activity,
            _pk(input.activity_id),
            input.expected_version,
            changes,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(description="Mark a published activity held (举行), once it has started.")
    async def mark_activity_held(
        self, info: strawberry.Info, input: Annotated[ActivityVersionInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.mark_held,
            _pk(input.activity_id),
            input.expected_version,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Record a held (or started) activity: minutes, resolutions, the lecturer "
        "of a 党课, photos; by the organiser's secretaries, again to amend."
    )
    async def record_activity(
        self, info: strawberry.Info, input: Annotated[RecordActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        records = given(
            resolvers.Records,
            input,
            lecturer_id=pk_of(input.lecturer_id, "Member") if input.lecturer_id else None,
            photos=tuple(input.photos or ()),
        )
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.record,
            _pk(input.activity_id),
            input.expected_version,
            records,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(description="Cancel an activity before it is held, saying why.")
    async def cancel_activity(
        self, info: strawberry.Info, input: Annotated[CancelActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.cancel,
            _pk(input.activity_id),
            input.expected_version,
            input.reason,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Sign up for an activity you are invited to, inside its sign-up window, "
        "while places are left (again: no change)."
    )
    async def sign_up_for_activity(
        self, info: strawberry.Info, input: Annotated[ActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(ctx, info.field_name, resolvers.sign_up, _pk(input.activity_id))
        return await _payload(ctx, pk)

    @strawberry.mutation(description="Withdraw your sign-up inside the sign-up window.")
    async def cancel_activity_sign_up(
        self, info: strawberry.Info, input: Annotated[ActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(ctx, info.field_name, resolvers.cancel_sign_up, _pk(input.activity_id))
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Ask for leave (请假) before the start, with a reason; the organiser decides."
    )
    async def request_activity_leave(
        self, info: strawberry.Info, input: Annotated[RequestActivityLeaveInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(
            ctx, info.field_name, resolvers.request_leave, _pk(input.activity_id), input.reason
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="The organiser approves or refuses a leave request; never your own "
        "(FORBIDDEN: another official must)."
    )
    async def decide_activity_leave(
        self, info: strawberry.Info, input: Annotated[DecideActivityLeaveInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.decide_leave,
            _pk(input.activity_id),
            pk_of(input.member_id, "Member"),
            input.approve,
            input.note,
        )
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Sign in with the code on the organiser's screen, from 30 minutes before "
        "the start until the end; a code signs in one account."
    )
    async def sign_in_to_activity(
        self, info: strawberry.Info, input: Annotated[SignInToActivityInput, INPUT]
    ) -> ActivityPayload:
        ctx = info.context
        pk = await perform(
            ctx, info.field_name, resolvers.sign_in, _pk(input.activity_id), input.code
        )
        return await _payload(ctx, pk)
