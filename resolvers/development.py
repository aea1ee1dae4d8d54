"""Member development (发展党员工作细则, 2014): the 25 steps as an explicit state machine,
three-tier joint review (branch → street/township committee → district department), case
timelines and the pipeline board."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, case, false, func, literal, or_, select, update

from authz.enforcer import can
from authz.paths import subtree
from authz.registry import in_scope, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period
from domain.development import (
    BRANCH,
    STAGES,
    STEPS,
    STREET,
    Evidence,
    Step,
    check_evidence,
    check_step,
    due,
    history_of,
    next_state,
    outcome,
    people_wanted,
    step,
)
from models import (
    ActingLevel,
    CaseStatus,
    Decision,
    DevelopmentCase,
    DevelopmentRecord,
    Holiday,
    Member,
    MemberStatus,
)
from resolvers.batch import keyed_union, latest_by_member, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound
from resolvers.floating import as_of
from resolvers.ids import to_global_id
from resolvers.org import ON_ROLL, scoped_members
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write


async def holidays(ctx: Context, start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The holiday table between the dates: day → worked (a swapped weekend day)."""
    rows = await ctx.session.execute(
        unscoped(
            select(Holiday.day, Holiday.working).where(Holiday.day.between(start, end)),
            why="reference data: the State Council's holidays",
        )
    )
    return {day: worked for day, worked in rows}


async def check_people(ctx: Context, s: Step, decision: Decision, ev: Evidence) -> None:
    """The contact persons or sponsors a step names are Party members of the caller's scope."""
    if decision is not Decision.PASS or not s.people[1]:
        return
    people = set(ev.people)
    # counted within the caller's member scope: an id outside it reads as "not a member",
    # so the check reveals nothing about other organisations' people
    found = await ctx.session.scalar(
        scoped_members(ctx, func.count()).where(
            Member.id.in_(people), Member.status.in_(people_wanted(s)), ON_ROLL
        )
    )
    if found != len(people):
        raise BadUserInput(
            "sponsors must be full members, and contacts Party members, of your organisation"
        )


# ---- reads -----------------------------------------------------------------------------------


def dev_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.DEVELOPMENT, Action.READ)


def scoped_cases(ctx: Context, *columns) -> Select:
    return scoped(dev_scope(ctx), DevelopmentCase, *(columns or DevelopmentCase.__table__.c))


async def load_cases(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_cases(ctx), DevelopmentCase.id, ids)


async def get_case(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_cases, pk)


async def load_member_cases(ctx: Context, member_ids: Sequence[int]) -> list[Row | None]:
    """Each member's latest visible case."""
    return await latest_by_member(
        ctx.session, scoped_cases(ctx), DevelopmentCase.member_id, DevelopmentCase.id, member_ids
    )


async def member_case(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_member_cases, member_id)


async def load_records(ctx: Context, case_ids: Sequence[int]) -> list[list[Row]]:
    """Timelines, oldest first, of visible cases."""
    visible = scoped_cases(ctx, DevelopmentCase.id).where(DevelopmentCase.id.in_(case_ids))
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(
        unscoped(
            select(*DevelopmentRecord.__table__.c),
            why="the records of the scoped cases in `visible`",
        )
        .where(DevelopmentRecord.case_id.in_(visible))
        .order_by(DevelopmentRecord.id)
    ):
        found.setdefault(row.case_id, []).append(row)
    return [found.get(c, []) for c in case_ids]


async def records(ctx: Context, case_id: int) -> list[Row]:
    return await ctx.load(load_records, case_id)


def acting(level: ActingLevel) -> Action:
    """The policy action of a joint-review tier (act_branch, act_street, act_district)."""
    return Action(f"act_{level.name.lower()}")


def waiting_for_me(ctx: Context):
    """Open cases whose next step is at a tier the caller acts at, within scope."""
    clauses = []
    for level in ActingLevel:
        scope = ctx.scope(Resource.DEVELOPMENT, acting(level))
        if scope.empty:
            continue
        pred = in_scope(scope, DevelopmentCase)
        at_level = DevelopmentCase.next_level == level
        clauses.append(at_level if pred is None else at_level & pred)
    return or_(*clauses) if clauses else false()


def _open_in(ctx: Context, path: str, *columns) -> Select:
    return scoped_cases(ctx, *columns).where(
        DevelopmentCase.status == CaseStatus.OPEN, subtree(DevelopmentCase.org_path, path)
    )


def past_due(day: dt.date) -> ColumnElement[bool]:
    """An open step whose deadline lies before `day` (逾期)."""
    return DevelopmentCase.next_due_on < day


def overdue_source(ctx: Context, period: Period) -> Select:
    """DEVELOPMENT_OVERDUE (发展党员逾期率, the board's `overdue / open`): open steps past due
    on the period's last day (today for one under way) ÷ open steps. A case has one open
    step and no history of earlier states: the open cases are today's, judged against that
    day. One row per open case at its org path, in the caller's development scope."""
    day = as_of(period, ctx.today)
    return scoped_cases(
        ctx,
        DevelopmentCase.org_path.label("path"),
        case((past_due(day), 1), else_=0).label("numerator"),
        literal(1).label("denominator"),
    ).where(DevelopmentCase.status == CaseStatus.OPEN)


@dataclass(frozen=True)
class Board:
    by_step: dict[int, int]
    overdue: int
    waiting_for_me: int

    @property
    def open(self) -> int:
        return sum(self.by_step.values())


async def load_boards(ctx: Context, keys: Sequence[str]) -> list[Board]:
    """Three statements for any number of subtrees."""
    today = ctx.today
    steps = [
        _open_in(ctx, p, DevelopmentCase.next_step.label("k"), func.count().label("n")).group_by(
            DevelopmentCase.next_step
        )
        for p in keys
    ]
    overdue = [_open_in(ctx, p, func.count().label("n")).where(past_due(today)) for p in keys]
    mine = [_open_in(ctx, p, func.count().label("n")).where(waiting_for_me(ctx)) for p in keys]
    s, o, m = [await keyed_union(ctx.session, q) for q in (steps, overdue, mine)]
    return [Board({r.k: r.n for r in s[i]}, o[i][0].n, m[i][0].n) for i in range(len(keys))]


async def board(ctx: Context, path: str) -> Board:
    return await ctx.load(load_boards, path)


@dataclass(frozen=True)
class CasesKey:
    path: str
    stage: str | None
    step: int | None
    overdue: bool | None
    waiting_for_me: bool
    window: Window


BY_ID = Order(None, DevelopmentCase.id)


def _filtered(ctx: Context, key: CasesKey) -> Select:
    stmt = _open_in(ctx, key.path)
    if key.stage:
        if key.stage not in STAGES:
            raise BadUserInput(f"stage must be one of {', '.join(STAGES)}")
        stmt = stmt.where(
            DevelopmentCase.next_step.in_([s.number for s in STEPS if s.stage == key.stage])
        )
    if key.step is not None:
        stmt = stmt.where(DevelopmentCase.next_step == step(key.step).number)
    if key.overdue is not None:
        late = DevelopmentCase.next_due_on < ctx.today
        stmt = stmt.where(late if key.overdue else ~late | DevelopmentCase.next_due_on.is_(None))
    if key.waiting_for_me:
        stmt = stmt.where(waiting_for_me(ctx))
    return stmt


async def load_case_pages(ctx: Context, keys: Sequence[CasesKey]) -> list[Page[Row]]:
    """Pages of several subtrees' cases in one statement, their totals in another."""
    return await page_batch(ctx.session, keys, lambda k: _filtered(ctx, k), BY_ID)


async def cases(ctx: Context, key: CasesKey) -> Page[Row]:
    return await ctx.loader(load_case_pages).load(key)


# ---- writes ----------------------------------------------------------------------------------


async def _acting_case(ctx: Context, case_id: int | None) -> Row:
    """The case, if the caller can see it (NOT_FOUND otherwise, as for a missing one)."""
    case = None
    if case_id is not None:
        case = (
            await ctx.session.execute(scoped_cases(ctx).where(DevelopmentCase.id == case_id))
        ).one_or_none()
    if case is None:
        raise NotFound("no such development case")
    return case


def _may_act(w: Write, level: ActingLevel, case: Row) -> None:
    if not can(w.ctx.require(), Resource.DEVELOPMENT, acting(level), case.org_path):
        w.refuse(to_global_id("DevelopmentCase", case.id), case.org_path)
        raise Forbidden(
            f"this step is taken by the {level.name.lower()} tier "
            f"({level.value}) of the applicant's organisation"
        )


async def _history(ctx: Context, case_id: int) -> dict[int, dt.date]:
    """The case's steps read now, through the session: a write never trusts what the request's
    loaders read before (an earlier field of the same document may have changed it)."""
    return history_of((await load_records(ctx, [case_id]))[0])


async def _save_step(
    w: Write,
    case: Row,
    expected_version: int,
    values: dict,
    record: DevelopmentRecord,
    member_values: dict | None = None,
) -> None:
    """Write the step: the case only if nobody acted since `expected_version`."""
    ctx = w.ctx
    if case.version != expected_version:
        raise Conflict("the case changed since you read it: reload and try again")
    step_up = (
        unscoped(update(DevelopmentCase), why="the case authorized above")
        .where(DevelopmentCase.id == case.id, DevelopmentCase.version == expected_version)
        .values(version=expected_version + 1, **values)
    )
    if await w.change(step_up) != 1:
        raise Conflict("the case changed since you read it: reload and try again")
    ctx.session.add(record)
    w.record(
        to_global_id("DevelopmentCase", case.id),
        case.org_path,
        before={
            "version": expected_version,
            "next_step": case.next_step,
            "status": case.status.name,
        },
        after={
            "step": record.step,
            "decision": record.decision.name,
            **{k: getattr(v, "name", v) for k, v in values.items()},
        },
    )
    if member_values:
        applicant = unscoped(update(Member), why="the applicant of that case")
        await ctx.session.execute(
            applicant.where(Member.id == case.member_id).values(**member_values)
        )


async def act(
    w: Write,
    case_id: int | None,
    number: int,
    decision: Decision,
    acted_on: dt.date,
    expected_version: int,
    ev: Evidence,
) -> int:
    """Take the case's next step: PASS, RETURN (to the branch step before it) or REJECT."""
    ctx = w.ctx
    principal = ctx.require()
    case = await _acting_case(ctx, case_id)
    _may_act(w, step(number).level, case)
    if case.version != expected_version:
        raise Conflict("the case changed since you read it: reload and try again")
    history = await _history(ctx, case.id)
    s = check_step(case, number, decision, acted_on, ctx.today, history)
    notice = (
        await holidays(ctx, ev.notice_from, ev.notice_to) if ev.notice_from and ev.notice_to else {}
    )
    check_evidence(s, decision, acted_on, ev, case.member_id, notice)
    await check_people(ctx, s, decision, ev)
    deadline = due(number, history, case.extension_months)
    record = DevelopmentRecord(
        case_id=case.id,
        step=number,
        decision=decision,
        level=s.level,
        actor_id=principal.account_id,
        acted_on=acted_on,
        late=bool(deadline and acted_on > deadline),
        notes=ev.notes,
        notice_from=ev.notice_from,
        notice_to=ev.notice_to,
        votes_due=ev.votes_due,
        votes_present=ev.votes_present,
        votes_yes=ev.votes_yes,
        class_hours=ev.class_hours,
        people=",".join(str(p) for p in sorted(set(ev.people))) or None,
    )
    values, member_values = outcome(s, decision, acted_on, history, case.extension_months)
    await _save_step(w, case, expected_version, values, record, member_values)
    return case.id


async def open_case(w: Write, member_id: int | None, applied_on: dt.date) -> int:
    """Step 1: the branch records an application (递交入党申请书) and opens the case."""
    ctx = w.ctx
    principal = ctx.require()
    member = await w.authorized(
        Member,
        member_id,
        Action.ACT_BRANCH,
        Member.id,
        Member.org_path,
        Member.status,
        resource=Resource.DEVELOPMENT,
    )
    if member is None:
        raise Forbidden("applications are recorded by the applicant's branch")
    if member.status is not MemberStatus.APPLICANT:
        raise BadUserInput("only an applicant (入党申请人) can start the process")
    if applied_on > ctx.today:
        raise BadUserInput("a step cannot be dated in the future")
    history = {1: applied_on}
    case = DevelopmentCase(
        member_id=member.id,
        org_path=member.org_path,
        status=CaseStatus.OPEN,
        opened_on=applied_on,
        version=1,
        extension_months=0,
        **next_state(2, history, 0),
    )
    ctx.session.add(case)
    # the partial unique index: one open case per member
    await w.flush(BadUserInput("this member already has an open development case"))
    w.record(
        to_global_id("DevelopmentCase", case.id),
        member.org_path,
        after={"member_id": member.id, "applied_on": applied_on},
    )
    ctx.session.add(
        DevelopmentRecord(
            case_id=case.id,
            step=1,
            decision=Decision.PASS,
            level=BRANCH,
            actor_id=principal.account_id,
            acted_on=applied_on,
        )
    )
    return case.id


async def extend_probation(
    w: Write, case_id: int | None, months: int, expected_version: int
) -> int:
    """Extend probation once by 6–12 months (decided by the branch, approved one tier up)."""
    ctx = w.ctx
    principal = ctx.require()
    case = await _acting_case(ctx, case_id)
    _may_act(w, STREET, case)
    if case.status is not CaseStatus.OPEN or not 19 <= case.next_step <= 23:
        raise BadUserInput("probation can be extended only during probation")
    if case.extension_months:
        raise BadUserInput("probation can be extended only once")
    if not 6 <= months <= 12:
        raise BadUserInput("an extension is 6 to 12 months")
    history = await _history(ctx, case.id)
    values = {"extension_months": months, **next_state(case.next_step, history, months)}
    record = DevelopmentRecord(
        case_id=case.id,
        step=0,
        decision=Decision.PASS,
        level=STREET,
        actor_id=principal.account_id,
        acted_on=ctx.today,
        notes=f"预备期延长{months}个月",
    )
    await _save_step(w, case, expected_version, values, record)
    return case.id
