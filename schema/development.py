"""GraphQL types of member development (发展党员): cases, timelines, the pipeline board."""

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import Row

from domain.development import STAGES, STEPS, Evidence, Step, step
from models import ActingLevel, CaseStatus, Decision
from resolvers import development as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.pagination import Window
from resolvers.write import perform
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    connection,
    window,
)
from schema.shared import INPUT, CountByKey, MemberRef, member_by_id


@strawberry.type(description="One of the 25 steps of 发展党员工作细则 (2014).")
class DevelopmentStep:
    number: int = strawberry.field(description="1–25.")
    stage: str = strawberry.field(
        description="APPLICATION 申请入党, ACTIVIST 入党积极分子, CANDIDATE 发展对象, "
        "ADMISSION 接收预备党员 or PROBATION 预备期/转正."
    )
    name: str = strawberry.field(description="The step, e.g. 支部大会讨论.")
    level: ActingLevel = strawberry.field(description="The tier that takes it.")
    needs_notice: bool = strawberry.field(
        description="A public notice of ≥5 working days must precede it."
    )
    needs_vote: bool = strawberry.field(description="A branch general meeting votes.")

    @classmethod
    def of(cls, s: Step) -> "DevelopmentStep":
        return cls(
            number=s.number,
            stage=s.stage,
            name=s.name,
            level=s.level,
            needs_notice=s.notice,
            needs_vote=s.vote,
        )


@strawberry.type(description="The step a case waits for, with its dates.")
class OpenStep:
    step: DevelopmentStep = strawberry.field(description="The step.")
    earliest_on: dt.date | None = strawberry.field(description="Not before this day.")
    due_on: dt.date | None = strawberry.field(description="Due by this day.")
    overdue: bool = strawberry.field(description="Past due.")


@strawberry.type(description="An action on a case (the case's audit trail).")
class DevelopmentRecord:
    step: int = strawberry.field(description="The step (0: probation extended).")
    step_name: str = strawberry.field(description="Its name.")
    decision: Decision = strawberry.field(description="Pass, return or reject.")
    level: ActingLevel = strawberry.field(description="The tier that acted.")
    acted_on: dt.date = strawberry.field(description="Date of the action.")
    late: bool = strawberry.field(description="Taken after its due date.")
    notes: str | None = strawberry.field(description="Reasons and remarks.")
    notice_from: dt.date | None = strawberry.field(description="Public notice from.")
    notice_to: dt.date | None = strawberry.field(description="Public notice to.")
    votes_due: int | None = strawberry.field(description="Voting members due to attend.")
    votes_present: int | None = strawberry.field(description="Voting members present.")
    votes_yes: int | None = strawberry.field(description="Votes in favour.")
    class_hours: int | None = strawberry.field(description="Training class hours.")

    @classmethod
    def from_row(cls, r: Row) -> "DevelopmentRecord":
        return cls(
            step=r.step,
            step_name=step(r.step).name if r.step else "预备期延长",
            decision=r.decision,
            level=r.level,
            acted_on=r.acted_on,
            late=r.late,
            notes=r.notes,
            notice_from=r.notice_from,
            notice_to=r.notice_to,
            votes_due=r.votes_due,
            votes_present=r.votes_present,
            votes_yes=r.votes_yes,
            class_hours=r.class_hours,
        )


@strawberry.type(description="An applicant's development case (发展党员“一件事”).")
class DevelopmentCase(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int]
    status: CaseStatus = strawberry.field(description="Open, rejected or done.")
    version: int = strawberry.field(description="Pass it back as `expectedVersion` when acting.")
    opened_on: dt.date = strawberry.field(description="Date of the application.")
    extension_months: int = strawberry.field(description="Probation extension, if any.")
    next: OpenStep | None = strawberry.field(description="What is due next, by when.")

    @classmethod
    def from_row(cls, ctx: Context, r: Row) -> "DevelopmentCase":
        open_step = None
        if r.status is CaseStatus.OPEN:
            open_step = OpenStep(
                step=DevelopmentStep.of(step(r.next_step)),
                earliest_on=r.next_earliest_on,
                due_on=r.next_due_on,
                overdue=bool(r.next_due_on and r.next_due_on < ctx.today),
            )
        return cls(
            id=strawberry.ID(to_global_id("DevelopmentCase", r.id)),
            pk=r.id,
            member_id=r.member_id,
            status=r.status,
            version=r.version,
            opened_on=r.opened_on,
            extension_months=r.extension_months,
            next=open_step,
        )

    @strawberry.field(description="Every action so far, oldest first.")
    async def timeline(self, info: strawberry.Info) -> list[DevelopmentRecord]:
        return [
            DevelopmentRecord.from_row(r) for r in await resolvers.records(info.context, self.pk)
        ]

    @strawberry.field(description="The applicant.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)


async def case_node(ctx: Context, pk: int) -> DevelopmentCase | None:
    row = await resolvers.get_case(ctx, pk)
    return DevelopmentCase.from_row(ctx, row) if row else None


async def member_case(ctx: Context, member_id: int) -> DevelopmentCase | None:
    row = await resolvers.member_case(ctx, member_id)
    return DevelopmentCase.from_row(ctx, row) if row else None


@strawberry.type(description="The development pipeline of a subtree (the board).")
class DevelopmentBoard:
    open_cases: int = strawberry.field(description="Cases in progress.")
    overdue_steps: int = strawberry.field(description="Open steps past their due date.")
    overdue_rate: float | None = strawberry.field(
        description="Development overdue rate: open steps past due ÷ open steps."
    )
    waiting_for_me: int = strawberry.field(
        description="Open cases whose next step is taken at a tier you act at."
    )
    by_stage: list[CountByKey] = strawberry.field(description="Open cases by stage.")
    by_step: list[CountByKey] = strawberry.field(description="Open cases by next step.")


async def org_board(ctx: Context, path: str) -> DevelopmentBoard:
    b = await resolvers.board(ctx, path)
    stages = {stage: 0 for stage in STAGES}
    for n, count in b.by_step.items():
        stages[step(n).stage] += count
    return DevelopmentBoard(
        open_cases=b.open,
        overdue_steps=b.overdue,
        overdue_rate=round(b.overdue / b.open, 4) if b.open else None,
        waiting_for_me=b.waiting_for_me,
        by_stage=[CountByKey(key=k, count=v) for k, v in stages.items()],
        by_step=[CountByKey(key=str(n), count=c) for n, c in sorted(b.by_step.items())],
    )


async def org_cases(
    ctx: Context,
    path: str,
    stage: str | None,
    step: int | None,
    overdue: bool | None,
    mine: bool,
    window: Window,
) -> Connection[DevelopmentCase]:
    key = resolvers.CasesKey(path, stage, step, overdue, mine, window)
    page = await resolvers.cases(ctx, key)
    return connection(page, lambda r: DevelopmentCase.from_row(ctx, r))


@strawberry.type
class DevelopmentQuery:
    @strawberry.field(description="The 25 steps of member development, in order.")
    def development_steps(self) -> list[DevelopmentStep]:
        return [DevelopmentStep.of(s) for s in STEPS]


@strawberry.input(description="Record an application (step 1) and open the case.")
class OpenDevelopmentCaseInput:
    member_id: strawberry.ID = strawberry.field(description="The applicant (入党申请人).")
    applied_on: dt.date = strawberry.field(description="Date of the written application.")


@strawberry.input(description="Take the next step of a case.")
class TakeDevelopmentStepInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    step: int = strawberry.field(description="The step taken; it must be the case's next one.")
    decision: Decision = strawberry.field(
        description="Pass, return (street and district tiers) or reject."
    )
    acted_on: dt.date = strawberry.field(description="Date of the action.")
    expected_version: int = strawberry.field(
        description="The case version you acted on; a stale one gets CONFLICT."
    )
    notes: str | None = strawberry.field(default=None, description="Reasons and remarks.")
    notice_from: dt.date | None = strawberry.field(
        default=None, description="Public notice from (steps 3, 7, 15, 23)."
    )
    notice_to: dt.date | None = strawberry.field(default=None, description="Public notice to.")
    votes_due: int | None = strawberry.field(
        default=None, description="Voting members due to attend (steps 15, 23)."
    )
    votes_present: int | None = strawberry.field(default=None, description="Present.")
    votes_yes: int | None = strawberry.field(default=None, description="In favour.")
    class_hours: int | None = strawberry.field(
        default=None, description="Training hours (step 11)."
    )
    people: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Contact persons (step 5) or sponsors (step 9)."
    )


@strawberry.input(description="Extend probation once by 6–12 months.")
class ExtendProbationInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    months: int = strawberry.field(description="6 to 12.")
    expected_version: int = strawberry.field(description="The case version you acted on.")


@strawberry.type(description="Result of a development action.")
class DevelopmentCasePayload:
    case: DevelopmentCase | None = strawberry.field(description="The case as it is now.")


def _case_pk(gid: str) -> int | None:
    return pk_of(gid, "DevelopmentCase")


@strawberry.type
class DevelopmentMutation:
    @strawberry.mutation(description="Record an application and open a development case.")
    async def open_development_case(
        self, info: strawberry.Info, input: Annotated[OpenDevelopmentCaseInput, INPUT]
    ) -> DevelopmentCasePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.open_case,
            pk_of(input.member_id, "Member"),
            input.applied_on,
        )
        return DevelopmentCasePayload(case=await case_node(ctx, pk))

    @strawberry.mutation(description="Take a case's next step (joint review: each tier in turn).")
    async def take_development_step(
        self, info: strawberry.Info, input: Annotated[TakeDevelopmentStepInput, INPUT]
    ) -> DevelopmentCasePayload:
        ctx = info.context
        people = [pk_of(p, "Member") or -1 for p in input.people or []]
        evidence = Evidence(
            notes=input.notes,
            notice_from=input.notice_from,
            notice_to=input.notice_to,
            votes_due=input.votes_due,
            votes_present=input.votes_present,
            votes_yes=input.votes_yes,
            class_hours=input.class_hours,
            people=people,
        )
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.act,
            _case_pk(input.case_id),
            input.step,
            input.decision,
            input.acted_on,
            input.expected_version,
            evidence,
        )
        return DevelopmentCasePayload(case=await case_node(ctx, pk))

    @strawberry.mutation(description="Extend a probation (once, 6–12 months; street tier).")
    async def extend_probation(
        self, info: strawberry.Info, input: Annotated[ExtendProbationInput, INPUT]
    ) -> DevelopmentCasePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.extend_probation,
            _case_pk(input.case_id),
            input.months,
            input.expected_version,
        )
        return DevelopmentCasePayload(case=await case_node(ctx, pk))


@strawberry.type
class DevelopmentOrganization:
    """Development fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(
        description="The development pipeline of this subtree: open cases by "
        "stage and step, overdue steps, cases waiting at your tier."
    )
    async def development_board(self, info: strawberry.Info) -> DevelopmentBoard:
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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[DevelopmentCase]:
        return await org_cases(
            info.context,
            self.path,
            stage,
            step,
            overdue,
            waiting_for_me,
            window(info, first, after, last, before),
        )


@strawberry.type
class DevelopmentMember:
    """Development fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(description="The member's latest development case (发展党员), if any.")
    async def development_case(self, info: strawberry.Info) -> DevelopmentCase | None:
        return await member_case(info.context, self.pk)
