"""GraphQL types of floating members (流动党员): ledgers, talks, certificates, pairing contacts,
symposiums (座谈会) and suggestions, the indicators, and the writes of the flow."""

import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from sqlalchemy import Row

from authz.masking import mask_phone
from authz.resources import Action, Resource
from domain.calendar import parse_period
from models import (
    ContactChannel,
    FloatingState,
    PlacementState,
    SuggestionCategory,
    SuggestionStatus,
)
from resolvers import floating as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.relay import After, Before, Connection, First, Last, Node, connection, window
from schema.shared import INPUT, Breadcrumb, MemberRef, PeriodArg, crumb, linked_member_of


def _pii(ctx: Context, row: Row, value: str | None) -> str | None:
    """A phone or contact of the record: in clear with `member.pii` where the record belongs
    (`resolvers.floating.trail_path`), else the last 4 digits."""
    if value is None:
        return None
    if ctx.scope(Resource.MEMBER_PII, Action.READ).covers(resolvers.trail_path(row), row.member_id):
        return value
    return mask_phone(value)


@strawberry.type(description="The pre-departure talk (行前谈话) held by the home organisation.")
class PreDepartureTalk:
    held_on: dt.date = strawberry.field(description="Date of the talk.")
    held_by: str = strawberry.field(description="Who held it.")
    notes: str = strawberry.field(description="What was discussed.")


@strawberry.type(description="The floating-member activity certificate (流动党员活动证).")
class FloatingCertificate:
    number: str = strawberry.field(description="Certificate number.")
    issued_on: dt.date = strawberry.field(description="Date issued by the home branch.")
    valid_until: dt.date = strawberry.field(description="Valid until this date.")


@strawberry.type(description="A contact of the pairing ledger (结对联系台账).")
class FloatingContactEntry:
    contacted_on: dt.date = strawberry.field(description="Date of contact.")
    channel: ContactChannel = strawberry.field(description="How.")
    content: str = strawberry.field(description="What was said or done.")


@strawberry.type(description="A yearly report back to the home organisation (向流出地党组织报告).")
class FloatingReportBack:
    year: int = strawberry.field(description="The year reported for.")
    reported_on: dt.date = strawberry.field(description="Date of the report.")
    content: str = strawberry.field(description="What was reported.")


@strawberry.type(
    description="A floating spell (流动党员台账), seen from the home organisation, the host "
    "notified and the branch that took the member in; an arrival from outside the city is a "
    "record only (no member). Phones and contacts are masked without `member.pii`."
)
class FloatingRecord(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int | None]
    paired_member_id: strawberry.Private[int | None]
    name: str = strawberry.field(description="The floating member's name.")
    phone: str | None = strawberry.field(
        description="For an arrival from outside the city: their phone (last 4 digits "
        "without PII permission)."
    )
    origin: str | None = strawberry.field(
        description="For an arrival from outside the city: where they come from."
    )
    status: FloatingState = strawberry.field(description="Recorded, active or ended.")
    placement: PlacementState | None = strawberry.field(
        description="The host side (推送 → 分流 → 接收); null when the host is outside the city."
    )
    destination: str = strawberry.field(
        description="Where to: province / city / district, as text (流入地)."
    )
    reason: str = strawberry.field(description="Why (务工, 经商, 求学…).")
    departed_on: dt.date = strawberry.field(description="Date of departure (or of arrival).")
    contact: str | None = strawberry.field(
        description="Contact phone at the destination (last 4 digits without PII permission)."
    )
    routed_on: dt.date | None = strawberry.field(description="Date routed to a branch.")
    placed_on: dt.date | None = strawberry.field(description="Date accepted by that branch.")
    returned_on: dt.date | None = strawberry.field(description="Date of return (the end).")
    talk: PreDepartureTalk | None = strawberry.field(description="The pre-departure talk.")
    certificate: FloatingCertificate | None = strawberry.field(
        description="The 流动党员活动证, once issued."
    )
    home: Breadcrumb | None = strawberry.field(
        description="The member's own (home) organisation, where membership stays."
    )
    host: Breadcrumb | None = strawberry.field(
        description="The host district or street notified (推送), when inside the city."
    )
    placed_in: Breadcrumb | None = strawberry.field(
        description="The branch routed to (网格党支部, 非公企业党组织 or 流动党员党支部)."
    )
    paired_on: dt.date | None = strawberry.field(description="Date the pairing was made.")
    last_contact_on: dt.date | None = strawberry.field(
        description="Date of the latest contact in the ledger."
    )
    lost_contact: bool = strawberry.field(
        description="Active and without contact for more than 6 months (失联), computed from "
        "the contact log (since the departure when never contacted)."
    )

    @classmethod
    def from_row(cls, ctx: Context, row: Row) -> "FloatingRecord":
        talk = None
        if row.talk_on is not None:
            talk = PreDepartureTalk(held_on=row.talk_on, held_by=row.talk_by, notes=row.talk_notes)
        certificate = None
        if row.certificate_number is not None:
            certificate = FloatingCertificate(
                number=row.certificate_number,
                issued_on=row.certificate_issued_on,
                valid_until=row.certificate_valid_until,
            )
        return cls(
            id=strawberry.ID(to_global_id("FloatingRecord", row.id)),
            pk=row.id,
            member_id=row.member_id,
            paired_member_id=row.paired_member_id,
            name=row.member_name or row.name,
            phone=_pii(ctx, row, row.phone),
            origin=row.origin,
            status=row.status,
            placement=row.placement,
            destination=row.destination,
            reason=row.reason,
            departed_on=row.departed_on,
            contact=_pii(ctx, row, row.contact),
            routed_on=row.routed_on,
            placed_on=row.placed_on,
            returned_on=row.returned_on,
            talk=talk,
            certificate=certificate,
            home=crumb(row.home_id, row.home_name, row.home_level),
            host=crumb(row.host_id, row.host_name, row.host_level),
            placed_in=crumb(row.placed_id, row.placed_name, row.placed_level),
            paired_on=row.paired_on,
            last_contact_on=row.last_contact_on,
            lost_contact=bool(row.lost),
        )

    @strawberry.field(description="The member (null for an arrival from outside the city).")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)

    @strawberry.field(description="The home committee member paired with them (结对联系人).")
    async def paired_with(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.paired_member_id)

    @strawberry.field(description="The latest contacts of the pairing ledger (at most 10).")
    async def contacts(self, info: strawberry.Info) -> list[FloatingContactEntry]:
        return [
            FloatingContactEntry(contacted_on=r.contacted_on, channel=r.channel, content=r.content)
            for r in await resolvers.contacts(info.context, self.pk)
        ]

    @strawberry.field(description="Yearly reports back to the home organisation, newest first.")
    async def reports(self, info: strawberry.Info) -> list[FloatingReportBack]:
        return [
            FloatingReportBack(year=r.year, reported_on=r.reported_on, content=r.content)
            for r in await resolvers.reports(info.context, self.pk)
        ]

    @strawberry.field(
        description="Whether this year's report back is still missing (at least once a year)."
    )
    async def report_due(self, info: strawberry.Info) -> bool:
        if self.status is not FloatingState.ACTIVE or self.member_id is None:
            return False
        year = info.context.today.year
        return all(r.year != year for r in await resolvers.reports(info.context, self.pk))


async def record_node(ctx: Context, pk: int | None) -> FloatingRecord | None:
    row = await resolvers.get_record(ctx, pk)
    return FloatingRecord.from_row(ctx, row) if row else None


@strawberry.type(description="A suggestion raised at a symposium (意见建议).")
class Suggestion(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int | None]
    symposium_id: strawberry.Private[int]
    content: str = strawberry.field(description="The suggestion.")
    category: SuggestionCategory = strawberry.field(description="What it is about.")
    handler: str | None = strawberry.field(description="Who handles it (承办).")
    status: SuggestionStatus = strawberry.field(description="RECEIVED, then ADOPTED or ANSWERED.")
    reply: str | None = strawberry.field(description="The reply (答复).")
    answered_on: dt.date | None = strawberry.field(description="Date answered.")

    @classmethod
    def from_row(cls, row: Row) -> "Suggestion":
        return cls(
            id=strawberry.ID(to_global_id("Suggestion", row.id)),
            pk=row.id,
            member_id=row.member_id,
            symposium_id=row.symposium_id,
            content=row.content,
            category=row.category,
            handler=row.handler,
            status=row.status,
            reply=row.reply,
            answered_on=row.answered_on,
        )

    @strawberry.field(description="Who raised it, if recorded.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)

    @strawberry.field(description="The symposium it was raised at.")
    async def symposium(self, info: strawberry.Info) -> "Symposium | None":
        return await symposium_node(info.context, self.symposium_id)


async def suggestion_node(ctx: Context, pk: int | None) -> Suggestion | None:
    row = await resolvers.get_suggestion(ctx, pk)
    return Suggestion.from_row(row) if row else None


@strawberry.type(description="An invited floating member and whether they came.")
class SymposiumAttendee:
    member_id: strawberry.Private[int]
    attended: bool = strawberry.field(description="Whether they came.")

    @strawberry.field(description="The member (PII masked unless you manage their org).")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)


@strawberry.type(description="A symposium (座谈会) held with floating members.")
class Symposium(Node):
    pk: strawberry.Private[int]
    title: str = strawberry.field(description="Title, e.g. 中秋流动党员座谈会.")
    held_on: dt.date = strawberry.field(description="Date held.")
    place: str = strawberry.field(description="Where.")
    organization: Breadcrumb = strawberry.field(description="The organisation that held it.")
    invited_count: int = strawberry.field(description="Floating members invited.")
    attended_count: int = strawberry.field(description="Floating members who came.")
    suggestion_count: int = strawberry.field(description="Suggestions raised.")

    @classmethod
    def from_row(cls, row: Row) -> "Symposium":
        return cls(
            id=strawberry.ID(to_global_id("Symposium", row.id)),
            pk=row.id,
            title=row.title,
            held_on=row.held_on,
            place=row.place,
            organization=crumb(row.org_id, row.held_name, row.held_level),  # type: ignore[arg-type]
            invited_count=row.invited,
            attended_count=row.attended,
            suggestion_count=row.suggestions,
        )

    @strawberry.field(description="Who was invited and who came.")
    async def attendees(self, info: strawberry.Info) -> list[SymposiumAttendee]:
        return [
            SymposiumAttendee(member_id=r.member_id, attended=r.attended)
            for r in await resolvers.attendees(info.context, self.pk)
        ]

    @strawberry.field(description="Suggestions raised, in the order received.")
    async def suggestions(
        self,
        info: strawberry.Info,
        status: Annotated[
            SuggestionStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Suggestion]:
        key = resolvers.SuggestionsKey(self.pk, window(info, first, after, last, before), status)
        return connection(await resolvers.suggestions(info.context, key), Suggestion.from_row)


async def symposium_node(ctx: Context, pk: int | None) -> Symposium | None:
    row = await resolvers.get_symposium(ctx, pk)
    return Symposium.from_row(row) if row else None


@strawberry.type(description="Floating-member indicators of a subtree for a period, in your scope.")
class FloatingStats:
    as_of: dt.date = strawberry.field(
        description="The day the figures stand on: the period's last day, or today."
    )
    floating_members: int = strawberry.field(
        description="Floating spells under way that day (outflow and inflow)."
    )
    outflow_members: int = strawberry.field(description="Of them, members of the city (流出).")
    inflow_members: int = strawberry.field(
        description="Of them, arrivals hosted in this subtree (流入: the host, else the "
        "placing branch, lies in it)."
    )
    placed_members: int = strawberry.field(
        description="Inflow members accepted by a branch by that day."
    )
    enrolment_rate: float | None = strawberry.field(
        description="Floating-member enrolment rate (纳管率): placed ÷ inflow members; null "
        "without inflow members."
    )
    contacted_members: int = strawberry.field(
        description="Floating members contacted in the 6 months up to that day."
    )
    contact_coverage: float | None = strawberry.field(
        description="Contacted ÷ floating members; null without floating members."
    )
    lost_contact: int = strawberry.field(
        description="Floating members without contact for more than 6 months (失联)."
    )
    symposiums: int = strawberry.field(description="Symposiums held in the period.")
    suggestions: int = strawberry.field(description="Suggestions raised at them.")
    suggestions_answered: int = strawberry.field(description="Of them, adopted or answered.")


# ---- the organisation's and the member's fields ---------------------------------------------


@strawberry.enum(description="Which side of an organisation's floating ledger.")
class FloatingSide(enum.Enum):
    OUTFLOW = strawberry.enum_value(
        "OUTFLOW", description="Its own members away (流出): the home side."
    )
    INFLOW = strawberry.enum_value(
        "INFLOW", description="Arrivals it hosts or took in (流入): the host side."
    )


@strawberry.type
class FloatingOrganization:
    """Floating-member fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(
        description="The floating-member ledger of this subtree (流动党员台账): its own members "
        "away (OUTFLOW, default) or the arrivals it hosts or took in (INFLOW)."
    )
    async def floating_members(
        self,
        info: strawberry.Info,
        side: Annotated[
            FloatingSide, strawberry.argument(description="Which side of the ledger.")
        ] = FloatingSide.OUTFLOW,
        status: Annotated[
            FloatingState | None, strawberry.argument(description="Only this state.")
        ] = None,
        awaiting_placement: Annotated[
            bool,
            strawberry.argument(description="Only arrivals not yet accepted by a branch."),
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FloatingRecord]:
        ctx = info.context
        key = resolvers.RecordsKey(
            self.path,
            side is FloatingSide.INFLOW,
            window(info, first, after, last, before),
            status,
            awaiting_placement,
        )
        return connection(
            await resolvers.records(ctx, key), lambda r: FloatingRecord.from_row(ctx, r)
        )

    @strawberry.field(
        description="Symposiums (座谈会) held by this subtree's organisations, newest first."
    )
    async def symposiums(
        self,
        info: strawberry.Info,
        period: Annotated[
            str | None,
            strawberry.argument(description="Only those held in this period (all by default)."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Symposium]:
        ctx = info.context
        span = parse_period(period, ctx.today) if period else None
        key = resolvers.SymposiumsKey(self.path, window(info, first, after, last, before), span)
        return connection(await resolvers.symposiums(ctx, key), Symposium.from_row)

    @strawberry.field(
        description="Suggestions raised at this subtree's symposiums, in the order received; "
        "of one symposium if given."
    )
    async def suggestions(
        self,
        info: strawberry.Info,
        symposium: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this symposium's.")
        ] = None,
        status: Annotated[
            SuggestionStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Suggestion]:
        # an id of another kind names no symposium: 0 names no row
        one = (pk_of(symposium, "Symposium") or 0) if symposium is not None else None
        key = resolvers.SuggestionsKey(
            one, window(info, first, after, last, before), status, self.path
        )
        return connection(await resolvers.suggestions(info.context, key), Suggestion.from_row)

    @strawberry.field(description="Floating-member indicators of this subtree for the period.")
    async def floating_stats(
        self, info: strawberry.Info, period: PeriodArg = None
    ) -> FloatingStats:
        ctx = info.context
        s = await resolvers.stats(ctx, self.path, parse_period(period, ctx.today))
        return FloatingStats(
            as_of=s.as_of,
            floating_members=s.floating_members,
            outflow_members=s.outflow,
            inflow_members=s.inflow,
            placed_members=s.placed,
            enrolment_rate=s.enrolment_rate,
            contacted_members=s.contacted,
            contact_coverage=s.contact_coverage,
            lost_contact=s.lost_contact,
            symposiums=s.symposiums,
            suggestions=s.suggestions,
            suggestions_answered=s.suggestions_answered,
        )


@strawberry.type
class FloatingMember:
    """Floating-member fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="Out of contact for more than 6 months (失联): an active floating spell "
        "whose latest contact in the ledger (or the departure) is over 6 months ago, computed "
        "from the contact log today."
    )
    async def lost_contact(self, info: strawberry.Info) -> bool:
        return await resolvers.lost_contact(info.context, self.pk)

    @strawberry.field(
        description="The member's floating record you can see: the open one, else the latest."
    )
    async def floating_record(self, info: strawberry.Info) -> FloatingRecord | None:
        row = await resolvers.member_record(info.context, self.pk)
        return FloatingRecord.from_row(info.context, row) if row else None


# ---- mutations -------------------------------------------------------------------------------


def _ids(values: list[strawberry.ID], kind: str) -> tuple[int, ...]:
    """Primary keys of global ids; one of another kind names no row (0)."""
    return tuple(pk_of(v, kind) or 0 for v in values)


def _pk(value: strawberry.ID | None, kind: str) -> int | None:
    return pk_of(value, kind) if value is not None else None


@strawberry.input(description="Record a member's outflow (the home side).")
class RecordOutflowInput:
    member_id: strawberry.ID = strawberry.field(description="The member leaving.")
    destination: str = strawberry.field(
        description="Where to, as text: province / city / district (e.g. 广东省深圳市宝安区)."
    )
    reason: str = strawberry.field(description="Why (务工, 经商…).")
    departed_on: dt.date = strawberry.field(description="Date of departure.")
    contact: str | None = strawberry.field(
        default=None, description="Contact phone at the destination."
    )
    host_org_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The host district or street when the destination is inside the city: "
        "notified at once (推送), it routes the member to a branch.",
    )


@strawberry.input(
    description="Record the pre-departure talk (行前谈话): the outflow becomes active."
)
class RecordPreDepartureTalkInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    talk_on: dt.date = strawberry.field(description="Date of the talk, on or before departure.")
    talk_by: str = strawberry.field(description="Who held it.")
    notes: str = strawberry.field(description="What was discussed.")


@strawberry.input(description="Issue the 流动党员活动证 (the home branch).")
class IssueFloatingCertificateInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    number: str = strawberry.field(description="Certificate number (unique).")
    issued_on: dt.date = strawberry.field(description="Date issued.")
    valid_until: dt.date = strawberry.field(description="Valid until (at most 5 years).")


@strawberry.input(description="Record an arrival from outside the city (the host side).")
class RecordInflowInput:
    host_org_id: strawberry.ID = strawberry.field(description="The host organisation.")
    name: str = strawberry.field(description="The arrival's name.")
    origin: str = strawberry.field(description="Where from: the home province, city, org.")
    reason: str = strawberry.field(description="Why (务工, 经商…).")
    arrived_on: dt.date = strawberry.field(description="Date of arrival.")
    phone: str | None = strawberry.field(default=None, description="Phone.")


@strawberry.input(description="Route an arrival to a branch (分流, the host street or district).")
class RouteInflowInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    org_id: strawberry.ID = strawberry.field(
        description="A grid branch, a non-public-enterprise org or a floating-member branch of "
        "the host."
    )


@strawberry.input(description="Accept an arrival routed to your branch (接收).")
class AcceptInflowInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")


@strawberry.input(description="Pair a home committee member with a floating member (结对联系).")
class PairFloatingMemberInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    committee_member_id: strawberry.ID = strawberry.field(
        description="A committee member (书记, 副书记, 委员) of the member's home org."
    )


@strawberry.input(description="Log a contact in the pairing ledger (结对联系台账).")
class LogFloatingContactInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    contacted_on: dt.date = strawberry.field(description="Date of contact.")
    channel: ContactChannel = strawberry.field(description="How.")
    content: str = strawberry.field(description="What was said or done (1–500 characters).")


@strawberry.input(description="Record the yearly report back to the home org.")
class RecordFloatingReportInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    year: int = strawberry.field(description="The year reported for.")
    reported_on: dt.date = strawberry.field(description="Date of the report, in that year.")
    content: str = strawberry.field(description="What was reported (1–500 characters).")


@strawberry.input(description="End a floating spell on return.")
class EndFloatingInput:
    record_id: strawberry.ID = strawberry.field(description="The floating record.")
    returned_on: dt.date = strawberry.field(description="Date of return.")


@strawberry.input(description="Hold a symposium (座谈会) with floating members.")
class HoldSymposiumInput:
    org_id: strawberry.ID = strawberry.field(description="The organisation holding it.")
    title: str = strawberry.field(description="Title, e.g. 中秋流动党员座谈会.")
    held_on: dt.date = strawberry.field(description="Date held.")
    place: str = strawberry.field(description="Where.")
    invited_member_ids: list[strawberry.ID] = strawberry.field(
        description="Floating members of this organisation invited (home or hosted)."
    )
    attended_member_ids: list[strawberry.ID] = strawberry.field(
        description="Those of them who came."
    )


@strawberry.input(description="Record a suggestion raised at a symposium.")
class AddSuggestionInput:
    symposium_id: strawberry.ID = strawberry.field(description="The symposium.")
    content: str = strawberry.field(description="The suggestion (1–500 characters).")
    category: SuggestionCategory = strawberry.field(description="What it is about.")
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who raised it: one who came."
    )
    handler: str | None = strawberry.field(default=None, description="Who handles it (承办).")


@strawberry.input(description="Answer a suggestion: adopted or answered, with a reply.")
class AnswerSuggestionInput:
    suggestion_id: strawberry.ID = strawberry.field(description="The suggestion.")
    decision: SuggestionStatus = strawberry.field(description="ADOPTED or ANSWERED.")
    reply: str = strawberry.field(description="The reply (1–500 characters).")


@strawberry.type(description="Result of a floating-record change.")
class FloatingRecordPayload:
    record: FloatingRecord | None = strawberry.field(description="The record as it is now.")
    warnings: list[str] = strawberry.field(
        description="What the change stands with but should be looked at (e.g. a committee "
        "member paired beyond the guide of 3–5)."
    )


@strawberry.type(description="Result of holding a symposium.")
class SymposiumPayload:
    symposium: Symposium | None = strawberry.field(description="The symposium.")


@strawberry.type(description="Result of a suggestion change.")
class SuggestionPayload:
    suggestion: Suggestion | None = strawberry.field(description="The suggestion as it is now.")


async def _on_record(
    info: strawberry.Info,
    action: Callable[..., Awaitable[int]],
    record_id: strawberry.ID,
    *args: Any,
) -> FloatingRecordPayload:
    """Run `action` on the record `record_id` names (the write template) and answer with it."""
    ctx = info.context
    pk = await perform(ctx, info.field_name, action, pk_of(record_id, "FloatingRecord"), *args)
    return await _payload(ctx, pk)


async def _payload(
    ctx: Context, pk: int, warnings: list[str] | None = None
) -> FloatingRecordPayload:
    return FloatingRecordPayload(record=await record_node(ctx, pk), warnings=warnings or [])


@strawberry.type
class FloatingMutation:
    @strawberry.mutation(
        description="Record a member's outflow (the home side): RECORDED until the "
        "pre-departure talk; a host inside the city is notified at once."
    )
    async def record_outflow(
        self, info: strawberry.Info, input: Annotated[RecordOutflowInput, INPUT]
    ) -> FloatingRecordPayload:
        ctx = info.context
        outflow = resolvers.Outflow(
            member_id=pk_of(input.member_id, "Member"),
            destination=input.destination,
            reason=input.reason,
            departed_on=input.departed_on,
            contact=input.contact,
            host_org_id=_pk(input.host_org_id, "Organization"),
        )
        pk = await perform(ctx, info.field_name, resolvers.record_outflow, outflow)
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Record the pre-departure talk (行前谈话), held before departure: the "
        "outflow becomes ACTIVE and the member OUTFLOW."
    )
    async def record_pre_departure_talk(
        self, info: strawberry.Info, input: Annotated[RecordPreDepartureTalkInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(
            info,
            resolvers.record_pre_departure_talk,
            input.record_id,
            input.talk_on,
            input.talk_by,
            input.notes,
        )

    @strawberry.mutation(description="Issue the 流动党员活动证 after the pre-departure talk.")
    async def issue_floating_certificate(
        self, info: strawberry.Info, input: Annotated[IssueFloatingCertificateInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(
            info,
            resolvers.issue_floating_certificate,
            input.record_id,
            input.number,
            input.issued_on,
            input.valid_until,
        )

    @strawberry.mutation(
        description="Record an arrival from outside the city (a record only), awaiting "
        "routing; arrivals from inside the city come with their home side's outflow."
    )
    async def record_inflow(
        self, info: strawberry.Info, input: Annotated[RecordInflowInput, INPUT]
    ) -> FloatingRecordPayload:
        ctx = info.context
        inflow = resolvers.Inflow(
            host_org_id=pk_of(input.host_org_id, "Organization"),
            name=input.name,
            origin=input.origin,
            reason=input.reason,
            arrived_on=input.arrived_on,
            phone=input.phone,
        )
        pk = await perform(ctx, info.field_name, resolvers.record_inflow, inflow)
        return await _payload(ctx, pk)

    @strawberry.mutation(
        description="Route an arrival to a grid branch, a non-public-enterprise org or a "
        "floating-member branch of the host (分流); again until it is accepted."
    )
    async def route_inflow(
        self, info: strawberry.Info, input: Annotated[RouteInflowInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(
            info, resolvers.route_inflow, input.record_id, pk_of(input.org_id, "Organization")
        )

    @strawberry.mutation(
        description="Accept an arrival routed to your branch (接收): it is placed, its "
        "activities reach the member; membership stays home."
    )
    async def accept_inflow(
        self, info: strawberry.Info, input: Annotated[AcceptInflowInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(info, resolvers.accept_inflow, input.record_id)

    @strawberry.mutation(
        description="Pair a home committee member with a floating member (结对联系); the guide "
        "is 3–5 each: beyond 5 the pairing stands with a warning."
    )
    async def pair_floating_member(
        self, info: strawberry.Info, input: Annotated[PairFloatingMemberInput, INPUT]
    ) -> FloatingRecordPayload:
        ctx = info.context
        pk, warnings = await perform(
            ctx,
            info.field_name,
            resolvers.pair_floating_member,
            pk_of(input.record_id, "FloatingRecord"),
            pk_of(input.committee_member_id, "Member"),
        )
        return await _payload(ctx, pk, warnings)

    @strawberry.mutation(
        description="Log a contact in the pairing ledger: lost contact is computed from it."
    )
    async def log_floating_contact(
        self, info: strawberry.Info, input: Annotated[LogFloatingContactInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(
            info,
            resolvers.log_floating_contact,
            input.record_id,
            input.contacted_on,
            input.channel,
            input.content,
        )

    @strawberry.mutation(
        description="Record a floating member's yearly report back to the home org (one a year)."
    )
    async def record_floating_report(
        self, info: strawberry.Info, input: Annotated[RecordFloatingReportInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(
            info,
            resolvers.record_floating_report,
            input.record_id,
            input.year,
            input.reported_on,
            input.content,
        )

    @strawberry.mutation(
        description="End a floating spell on return: the member is no longer floating."
    )
    async def end_floating(
        self, info: strawberry.Info, input: Annotated[EndFloatingInput, INPUT]
    ) -> FloatingRecordPayload:
        return await _on_record(info, resolvers.end_floating, input.record_id, input.returned_on)

    @strawberry.mutation(
        description="Hold a symposium (座谈会) with floating members and record who came."
    )
    async def hold_symposium(
        self, info: strawberry.Info, input: Annotated[HoldSymposiumInput, INPUT]
    ) -> SymposiumPayload:
        ctx = info.context
        meeting = resolvers.Meeting(
            org_id=pk_of(input.org_id, "Organization"),
            title=input.title,
            held_on=input.held_on,
            place=input.place,
            invited_member_ids=_ids(input.invited_member_ids, "Member"),
            attended_member_ids=_ids(input.attended_member_ids, "Member"),
        )
        pk = await perform(ctx, info.field_name, resolvers.hold_symposium, meeting)
        return SymposiumPayload(symposium=await symposium_node(ctx, pk))

    @strawberry.mutation(description="Record a suggestion raised at a symposium (RECEIVED).")
    async def add_suggestion(
        self, info: strawberry.Info, input: Annotated[AddSuggestionInput, INPUT]
    ) -> SuggestionPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.add_suggestion,
            pk_of(input.symposium_id, "Symposium"),
            _pk(input.member_id, "Member"),
            input.content,
            input.category,
            input.handler,
        )
        return SuggestionPayload(suggestion=await suggestion_node(ctx, pk))

    @strawberry.mutation(
        description="Answer a suggestion: ADOPTED or ANSWERED with a reply, once; never your own."
    )
    async def answer_suggestion(
        self, info: strawberry.Info, input: Annotated[AnswerSuggestionInput, INPUT]
    ) -> SuggestionPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.answer_suggestion,
            pk_of(input.suggestion_id, "Suggestion"),
            input.decision,
            input.reply,
        )
        return SuggestionPayload(suggestion=await suggestion_node(ctx, pk))
