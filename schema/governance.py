"""GraphQL types of governance: terms and elections (换届), requests to change a due date, the
weak-organisation sweep and rectification cases (软弱涣散), and the two indicators."""

import asyncio
import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import Row

from domain.calendar import parse_period
from domain.governance import REMINDER_MONTHS, WeakReason
from models import RectificationState, TermChangeKind, TermChangeState
from resolvers import governance as resolvers
from resolvers import org as org_resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.enums import described
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    Under,
    connection,
    window,
)
from schema.shared import (
    INPUT,
    MemberRef,
    OrganizationRef,
    PeriodArg,
    member_by_id,
    org_by_id,
)

described(TermChangeKind, "A change of a term's due date: postponed or advanced (延期/提前换届).")
described(TermChangeState, "Where a request to change a due date stands.")
described(
    RectificationState,
    "Where a weak-organisation case stands: PROPOSED by the sweep → RECTIFYING → ACCEPTED, "
    "or REDO after a failed acceptance, or DISMISSED.",
)
described(WeakReason, "Why the yearly sweep found an organisation weak and lax (软弱涣散).")


@strawberry.type(description="A request to postpone or advance a term's due date.")
class TermChange(Node):
    pk: strawberry.Private[int]
    kind: TermChangeKind = strawberry.field(description="Postpone or advance.")
    new_due_on: dt.date = strawberry.field(description="The due date asked for.")
    reason: str = strawberry.field(description="Why (理由).")
    state: TermChangeState = strawberry.field(description="Pending, approved or rejected.")
    requested_on: dt.date = strawberry.field(description="When it was asked.")
    decided_on: dt.date | None = strawberry.field(description="When it was decided.")
    version: int = strawberry.field(description="Pass it back as `expectedVersion` to decide.")

    @classmethod
    def from_row(cls, r: Row) -> "TermChange":
        return cls(
            id=strawberry.ID(to_global_id("TermChange", r.id)),
            pk=r.id,
            kind=r.kind,
            new_due_on=r.new_due_on,
            reason=r.reason,
            state=r.state,
            requested_on=r.requested_on,
            decided_on=r.decided_on,
            version=r.version,
        )


async def change_node(ctx: Context, pk: int) -> TermChange | None:
    row = await resolvers.get_change(ctx, pk)
    return TermChange.from_row(row) if row else None


@strawberry.type(description="An election (换届选举): the one that began a term.")
class Election:
    committee_ids: strawberry.Private[list[int]]
    secretary_id: strawberry.Private[int | None]
    held_on: dt.date = strawberry.field(description="The day it was held.")
    seats: int = strawberry.field(description="Committee seats (委员职数).")
    candidates: int = strawberry.field(
        description="Candidates (候选人), at least seats × 1.2 (差额选举)."
    )

    @classmethod
    def from_row(cls, r: Row) -> "Election":
        return cls(
            committee_ids=resolvers.committee_ids(r),
            secretary_id=r.secretary_id,
            held_on=r.held_on,
            seats=r.seats,
            candidates=r.candidates,
        )

    @strawberry.field(
        description="The members elected to the committee (委员), in the order recorded; "
        "those outside your member scope are left out."
    )
    async def committee(self, info: strawberry.Info) -> list[MemberRef]:
        found = await asyncio.gather(*(member_by_id(info.context, m) for m in self.committee_ids))
        return [m for m in found if m is not None]

    @strawberry.field(description="The secretary elected (书记); null outside your scope.")
    async def secretary(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.secretary_id)


@strawberry.type(
    description="A term (届) of a grass-roots organisation, from one election to the next."
)
class Term(Node):
    pk: strawberry.Private[int]
    org_id: strawberry.Private[int]
    years: int = strawberry.field(
        description="Length: 5 years for 基层党委 and community/village bodies, 3 for "
        "党总支/党支部."
    )
    started_on: dt.date = strawberry.field(description="The election that began it.")
    regular_due_on: dt.date = strawberry.field(description="The election plus the term's years.")
    due_on: dt.date = strawberry.field(
        description="The due date in force: an approved postponement's or advance's, else "
        "the regular one."
    )
    ended_on: dt.date | None = strawberry.field(
        description="The next election, which ended it; null while it runs."
    )
    overdue: bool = strawberry.field(
        description="Past the due date in force without a new election (未按期换届)."
    )
    version: int = strawberry.field(description="Changes with every change of the term.")

    @classmethod
    def from_row(cls, ctx: Context, r: Row) -> "Term":
        return cls(
            id=strawberry.ID(to_global_id("Term", r.id)),
            pk=r.id,
            org_id=r.org_id,
            years=r.years,
            started_on=r.started_on,
            regular_due_on=r.regular_due_on,
            due_on=r.due_on,
            ended_on=r.ended_on,
            overdue=resolvers.overdue(r, ctx.today),
            version=r.version,
        )

    @strawberry.field(description="Requests to change its due date, oldest first.")
    async def changes(self, info: strawberry.Info) -> list[TermChange]:
        return [TermChange.from_row(r) for r in await resolvers.term_changes(info.context, self.pk)]

    @strawberry.field(
        description="The election that began it; null where the archive holds the term "
        "without its election record."
    )
    async def election(self, info: strawberry.Info) -> Election | None:
        row = await resolvers.term_election(info.context, self.pk)
        return Election.from_row(row) if row else None

    @strawberry.field(description="The organisation (null outside your scope).")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.org_id)


async def term_node(ctx: Context, pk: int) -> Term | None:
    row = await resolvers.get_term(ctx, pk)
    return Term.from_row(ctx, row) if row else None


@strawberry.type(description="A progress note on a rectification case (整改进展).")
class RectificationNote:
    written_on: dt.date = strawberry.field(description="When.")
    text: str = strawberry.field(description="What was done.")


@strawberry.type(description="A weak and lax organisation's case (软弱涣散党组织整顿).")
class RectificationCase(Node):
    pk: strawberry.Private[int]
    org_id: strawberry.Private[int]
    year: int = strawberry.field(description="The year of the sweep or of its opening.")
    state: RectificationState = strawberry.field(description="Where it stands.")
    reasons: list[WeakReason] = strawberry.field(description="What the sweep found.")
    problems: str | None = strawberry.field(description="The problems listed (问题清单).")
    measures: str | None = strawberry.field(description="The measures (整改措施).")
    responsible_leader: str | None = strawberry.field(description="The leader responsible.")
    deadline: dt.date | None = strawberry.field(description="Rectified by this day.")
    proposed_on: dt.date = strawberry.field(description="When it was proposed or opened.")
    opened_on: dt.date | None = strawberry.field(
        description="When the street or district confirmed it."
    )
    score: int | None = strawberry.field(description="The last acceptance score (0–100).")
    dissatisfied_percent: int | None = strawberry.field(
        description="The share dissatisfied at the last acceptance, percent."
    )
    accepted_on: dt.date | None = strawberry.field(
        description="When it passed acceptance (score ≥ 70, ≤ 50% dissatisfied)."
    )
    version: int = strawberry.field(description="Pass it back as `expectedVersion`.")

    @classmethod
    def from_row(cls, r: Row) -> "RectificationCase":
        return cls(
            id=strawberry.ID(to_global_id("RectificationCase", r.id)),
            pk=r.id,
            org_id=r.org_id,
            year=r.year,
            state=r.state,
            reasons=resolvers.reasons_of(r),
            problems=r.problems,
            measures=r.measures,
            responsible_leader=r.responsible_leader,
            deadline=r.deadline,
            proposed_on=r.proposed_on,
            opened_on=r.opened_on,
            score=r.score,
            dissatisfied_percent=r.dissatisfied_pct,
            accepted_on=r.accepted_on,
            version=r.version,
        )

    @strawberry.field(description="Progress notes, oldest first.")
    async def notes(self, info: strawberry.Info) -> list[RectificationNote]:
        rows = await resolvers.notes(info.context, self.pk)
        return [RectificationNote(written_on=r.written_on, text=r.text) for r in rows]

    @strawberry.field(description="The organisation (null outside your scope).")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.org_id)


async def case_node(ctx: Context, pk: int) -> RectificationCase | None:
    row = await resolvers.get_case(ctx, pk)
    return RectificationCase.from_row(row) if row else None


@strawberry.type(description="A rate: numerator ÷ denominator (null when nothing is due).")
class GovernanceRate:
    numerator: int = strawberry.field(description="Counted on time.")
    denominator: int = strawberry.field(description="Due in the period.")
    rate: float | None = strawberry.field(description="numerator ÷ denominator, 4 decimals.")


@strawberry.type(description="The governance indicators of a subtree for a period.")
class GovernanceIndicators:
    on_time_reelection: GovernanceRate = strawberry.field(
        description="ON_TIME_REELECTION (按期换届率): terms due in the period (the due date "
        "in force) re-elected by that date ÷ terms due in the period."
    )
    on_time_rectification: GovernanceRate = strawberry.field(
        description="ON_TIME_RECTIFICATION (软弱涣散按期整改率): confirmed cases with a "
        "deadline in the period accepted by it ÷ such cases."
    )


def _rate(r: resolvers.Ratio) -> GovernanceRate:
    return GovernanceRate(numerator=r.numerator, denominator=r.denominator, rate=r.rate)


@strawberry.type
class GovernanceQuery:
    @strawberry.field(
        description="The re-election reminder list (换届提醒): terms in force due within "
        f"`withinMonths` ({REMINDER_MONTHS} by default), overdue ones first, soonest first."
    )
    async def terms_due(
        self,
        info: strawberry.Info,
        under: Under = None,
        within_months: Annotated[
            int, strawberry.argument(description="How far ahead to look, in months (0–60).")
        ] = REMINDER_MONTHS,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Term]:
        ctx = info.context
        ctx.require()
        path = await org_resolvers.under_path(ctx, under)
        key = resolvers.DueKey(path, within_months, window(info, first, after, last, before))
        page = await resolvers.terms_due(ctx, key)
        return connection(page, lambda r: Term.from_row(ctx, r))


@strawberry.input(description="Ask to postpone or advance a term's due date.")
class RequestTermChangeInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation.")
    kind: TermChangeKind = strawberry.field(description="Postpone or advance.")
    new_due_on: dt.date = strawberry.field(
        description="The due date asked for: at most a year from the regular one."
    )
    reason: str = strawberry.field(description="Why.")


@strawberry.input(description="Approve or reject a request (by an organisation above).")
class ApproveTermChangeInput:
    term_change_id: strawberry.ID = strawberry.field(description="The request.")
    approve: bool = strawberry.field(description="True to approve, false to reject.")
    expected_version: int = strawberry.field(description="The request's version you decided on.")


@strawberry.input(description="Record an election (换届选举), which begins the next term.")
class RecordElectionInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation.")
    held_on: dt.date = strawberry.field(description="The day of the election.")
    seats: int = strawberry.field(description="Seats of the committee (应选人数).")
    candidates: int = strawberry.field(description="Candidates (候选人数): at least seats × 1.2.")
    committee: list[strawberry.ID] = strawberry.field(
        description="The members elected, one per seat: full members of the subtree."
    )
    secretary_id: strawberry.ID = strawberry.field(description="The secretary, one of them.")


@strawberry.type(description="Result of a term write.")
class TermPayload:
    term: Term | None = strawberry.field(description="The term as it is now.")


@strawberry.type(description="Result of a term change request or decision.")
class TermChangePayload:
    term_change: TermChange | None = strawberry.field(description="The request as it is now.")


@strawberry.type(description="Result of an election.")
class RecordElectionPayload:
    term: Term | None = strawberry.field(description="The term the election began.")
    secretary: MemberRef | None = strawberry.field(
        description="The secretary elected: `offeredGrant` offers the role the post calls for."
    )


@strawberry.input(description="Record a year's assessment inputs of an organisation.")
class RecordOrgAssessmentInput:
    organization_id: strawberry.ID = strawberry.field(description="The organisation.")
    year: int = strawberry.field(description="The year assessed.")
    last_place: bool = strawberry.field(description="Last place among its peers (考核末位).")
    satisfaction_percent: int = strawberry.field(description="Share satisfied (满意度), 0–100.")


@strawberry.type(description="Result of recording an assessment.")
class OrgAssessmentPayload:
    organization: OrganizationRef | None = strawberry.field(
        description="The organisation assessed."
    )


@strawberry.input(description="Run the yearly weak-organisation sweep over your subtree.")
class RunWeakOrgSweepInput:
    year: int = strawberry.field(description="The year swept.")


@strawberry.type(description="Result of a sweep.")
class WeakOrgSweepPayload:
    year: int = strawberry.field(description="The year swept.")
    found: int = strawberry.field(description="Organisations a rule found.")
    proposed: int = strawberry.field(
        description="Cases newly proposed (those with a case of the year already are left)."
    )


@strawberry.input(description="Confirm a weak organisation's case, with its plan.")
class OpenRectificationCaseInput:
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="A PROPOSED case of the sweep."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Or an organisation, opened directly (a case of this year)."
    )
    reasons: list[WeakReason] | None = strawberry.field(
        default=None, description="Opened directly: what was found."
    )
    problems: str = strawberry.field(description="The problems (问题清单).")
    measures: str = strawberry.field(description="The measures (整改措施).")
    responsible_leader: str = strawberry.field(description="The leader responsible.")
    deadline: dt.date = strawberry.field(description="Rectified by this day.")
    expected_version: int | None = strawberry.field(
        default=None, description="The case's version (from a proposed case)."
    )


@strawberry.input(description="A progress note on a case under rectification.")
class AddRectificationNoteInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    text: str = strawberry.field(description="What was done.")


@strawberry.input(description="The acceptance check (验收) of a case.")
class AcceptRectificationInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    score: int = strawberry.field(description="0–100; at least 70 passes.")
    dissatisfied_percent: int = strawberry.field(description="0–100; at most 50 passes.")
    expected_version: int = strawberry.field(description="The case's version.")


@strawberry.input(description="Dismiss a proposed candidate (不予列入).")
class DismissRectificationCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    expected_version: int = strawberry.field(description="The case's version.")


@strawberry.type(description="Result of a rectification write.")
class RectificationCasePayload:
    case: RectificationCase | None = strawberry.field(description="The case as it is now.")


def _org_pk(gid: str | None) -> int | None:
    return pk_of(gid, "Organization") if gid else None


def _case_pk(gid: str | None) -> int | None:
    return pk_of(gid, "RectificationCase") if gid else None


@strawberry.type
class GovernanceMutation:
    @strawberry.mutation(description="Ask to postpone or advance the term's due date.")
    async def request_term_change(
        self, info: strawberry.Info, input: Annotated[RequestTermChangeInput, INPUT]
    ) -> TermChangePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.request_term_change,
            _org_pk(input.organization_id),
            input.kind,
            input.new_due_on,
            input.reason,
        )
        return TermChangePayload(term_change=await change_node(ctx, pk))

    @strawberry.mutation(
        description="Approve or reject a request, as an administrator above the organisation; "
        "never your own (FORBIDDEN)."
    )
    async def approve_term_change(
        self, info: strawberry.Info, input: Annotated[ApproveTermChangeInput, INPUT]
    ) -> TermChangePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.approve_term_change,
            pk_of(input.term_change_id, "TermChange"),
            input.approve,
            input.expected_version,
        )
        return TermChangePayload(term_change=await change_node(ctx, pk))

    @strawberry.mutation(description="Record an election; it begins the next term.")
    async def record_election(
        self, info: strawberry.Info, input: Annotated[RecordElectionInput, INPUT]
    ) -> RecordElectionPayload:
        ctx = info.context
        secretary = pk_of(input.secretary_id, "Member") or -1
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.record_election,
            _org_pk(input.organization_id),
            input.held_on,
            input.seats,
            input.candidates,
            [pk_of(m, "Member") or -1 for m in input.committee],
            secretary,
        )
        return RecordElectionPayload(
            term=await term_node(ctx, pk), secretary=await member_by_id(ctx, secretary)
        )

    @strawberry.mutation(description="Record a year's assessment inputs (street or district).")
    async def record_org_assessment(
        self, info: strawberry.Info, input: Annotated[RecordOrgAssessmentInput, INPUT]
    ) -> OrgAssessmentPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.record_org_assessment,
            _org_pk(input.organization_id),
            input.year,
            input.last_place,
            input.satisfaction_percent,
        )
        return OrgAssessmentPayload(organization=await org_by_id(ctx, pk))

    @strawberry.mutation(
        description="Run the yearly weak-organisation sweep (软弱涣散排查) over your subtree; "
        "again for the same year proposes nothing twice."
    )
    async def run_weak_org_sweep(
        self, info: strawberry.Info, input: Annotated[RunWeakOrgSweepInput, INPUT]
    ) -> WeakOrgSweepPayload:
        r = await perform(info.context, info.field_name, resolvers.run_weak_org_sweep, input.year)
        return WeakOrgSweepPayload(year=r.year, found=r.found, proposed=r.proposed)

    @strawberry.mutation(description="Confirm a weak organisation's case (street or district).")
    async def open_rectification_case(
        self, info: strawberry.Info, input: Annotated[OpenRectificationCaseInput, INPUT]
    ) -> RectificationCasePayload:
        ctx = info.context
        opening = resolvers.Opening(
            case_id=_case_pk(input.case_id),
            organization_id=_org_pk(input.organization_id),
            reasons=list(input.reasons or []),
            problems=input.problems,
            measures=input.measures,
            responsible_leader=input.responsible_leader,
            deadline=input.deadline,
            expected_version=input.expected_version,
        )
        pk = await perform(ctx, info.field_name, resolvers.open_rectification_case, opening)
        return RectificationCasePayload(case=await case_node(ctx, pk))

    @strawberry.mutation(description="Add a progress note to a case under rectification.")
    async def add_rectification_note(
        self, info: strawberry.Info, input: Annotated[AddRectificationNoteInput, INPUT]
    ) -> RectificationCasePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.add_rectification_note,
            pk_of(input.case_id, "RectificationCase"),
            input.text,
        )
        return RectificationCasePayload(case=await case_node(ctx, pk))

    @strawberry.mutation(
        description="The acceptance check: score ≥ 70 and ≤ 50% dissatisfied → ACCEPTED, else REDO."
    )
    async def accept_rectification(
        self, info: strawberry.Info, input: Annotated[AcceptRectificationInput, INPUT]
    ) -> RectificationCasePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.accept_rectification,
            pk_of(input.case_id, "RectificationCase"),
            input.score,
            input.dissatisfied_percent,
            input.expected_version,
        )
        return RectificationCasePayload(case=await case_node(ctx, pk))

    @strawberry.mutation(description="Dismiss a proposed candidate of the sweep.")
    async def dismiss_rectification_case(
        self, info: strawberry.Info, input: Annotated[DismissRectificationCaseInput, INPUT]
    ) -> RectificationCasePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.dismiss_rectification_case,
            pk_of(input.case_id, "RectificationCase"),
            input.expected_version,
        )
        return RectificationCasePayload(case=await case_node(ctx, pk))


@strawberry.type
class GovernanceOrganization:
    """Governance fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(
        description="The term in force (换届); null for levels without terms (city, district "
        "and street committees, groups) and before a first election is recorded."
    )
    async def term(self, info: strawberry.Info) -> Term | None:
        row = await resolvers.current_term(info.context, self.pk)
        return Term.from_row(info.context, row) if row else None

    @strawberry.field(description="Weak-organisation cases (软弱涣散) of this subtree.")
    async def rectification_cases(
        self,
        info: strawberry.Info,
        state: Annotated[
            RectificationState | None, strawberry.argument(description="Only this state.")
        ] = None,
        year: Annotated[int | None, strawberry.argument(description="Only this year.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RectificationCase]:
        key = resolvers.CasesKey(self.path, state, year, window(info, first, after, last, before))
        page = await resolvers.cases(info.context, key)
        return connection(page, RectificationCase.from_row)

    @strawberry.field(
        description="The on-time re-election and rectification rates of this subtree for the "
        "period (the current year by default), as the cockpit counts them."
    )
    async def governance_indicators(
        self, info: strawberry.Info, period: PeriodArg = None
    ) -> GovernanceIndicators:
        ctx = info.context
        key = resolvers.IndicatorsKey(self.path, parse_period(period, ctx.today))
        reelection, rectification = await resolvers.indicators(ctx, key)
        return GovernanceIndicators(
            on_time_reelection=_rate(reelection), on_time_rectification=_rate(rectification)
        )
