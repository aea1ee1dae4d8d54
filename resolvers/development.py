"""Member development (发展党员工作细则, 2014): the 25 steps as an explicit state machine,
three-tier joint review (branch → street/township committee → district department), case
timelines and the pipeline board."""

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row, Select, false, func, or_, select, update

from authz.enforcer import can
from authz.paths import any_subtree, subtree
from authz.scope import Scope, scope_for
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
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound
from resolvers.ids import to_global_id
from resolvers.org import scoped_members
from resolvers.pagination import Order, Page
from resolvers.write import Write

BRANCH, STREET, DISTRICT = ActingLevel.BRANCH, ActingLevel.STREET, ActingLevel.DISTRICT
NOTICE_WORKING_DAYS = 5
DONE_STEP = 26


@dataclass(frozen=True)
class Step:
    number: int
    stage: str
    name: str
    level: ActingLevel
    notice: bool = False  # a public notice of ≥5 working days precedes the decision
    vote: bool = False  # a branch general meeting votes
    people: tuple[int, int] = (0, 0)  # how many contact persons or sponsors are named
    min_hours: int = 0
    status_after: MemberStatus | None = None


STAGES = ("APPLICATION", "ACTIVIST", "CANDIDATE", "ADMISSION", "PROBATION")
STEPS: tuple[Step, ...] = (
    Step(1, "APPLICATION", "递交入党申请书", BRANCH),
    Step(2, "APPLICATION", "党组织派人谈话", BRANCH),
    Step(
        3, "ACTIVIST", "确定入党积极分子", BRANCH, notice=True, status_after=MemberStatus.ACTIVIST
    ),
    Step(4, "ACTIVIST", "报上级党委备案", STREET),
    Step(5, "ACTIVIST", "指定培养联系人", BRANCH, people=(1, 2)),
    Step(6, "ACTIVIST", "培养教育考察", BRANCH),
    Step(7, "CANDIDATE", "确定发展对象", BRANCH, notice=True, status_after=MemberStatus.CANDIDATE),
    Step(8, "CANDIDATE", "报上级党委备案", STREET),
    Step(9, "CANDIDATE", "确定入党介绍人", BRANCH, people=(2, 2)),
    Step(10, "CANDIDATE", "进行政治审查", STREET),
    Step(11, "CANDIDATE", "开展集中培训", STREET, min_hours=24),
    Step(12, "ADMISSION", "支部委员会审查", BRANCH),
    Step(13, "ADMISSION", "上级党委预审", STREET),
    Step(14, "ADMISSION", "填写入党志愿书", BRANCH),
    Step(15, "ADMISSION", "支部大会讨论", BRANCH, notice=True, vote=True),
    Step(16, "ADMISSION", "上级党委派人谈话", STREET),
    Step(17, "ADMISSION", "上级党委审批", STREET, status_after=MemberStatus.PROBATIONARY),
    Step(18, "ADMISSION", "报上级组织部门备案", DISTRICT),
    Step(19, "PROBATION", "编入党支部和党小组", BRANCH),
    Step(20, "PROBATION", "入党宣誓", BRANCH),
    Step(21, "PROBATION", "继续教育考察", BRANCH),
    Step(22, "PROBATION", "提出转正申请", BRANCH),
    Step(23, "PROBATION", "支部大会讨论", BRANCH, notice=True, vote=True),
    Step(24, "PROBATION", "上级党委审批", STREET, status_after=MemberStatus.FULL),
    Step(25, "PROBATION", "材料归档", STREET),
)


def step(number: int) -> Step:
    if not 1 <= number <= len(STEPS):
        raise BadUserInput(f"steps are numbered 1 to {len(STEPS)}")
    return STEPS[number - 1]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def probation_end(history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """Probation is one year from the branch meeting (step 15), extendable once by 6–12
    months."""
    return add_months(history[15], 12 + extension_months) if 15 in history else None


def earliest(n: int, history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """The first day step `n` may happen: after the previous step, and the time rules."""
    if n in (6, 7) and 3 in history:  # at least a year as activist
        return add_months(history[3], 12)
    if n == 22:  # confirmation when probation ends
        return probation_end(history, extension_months)
    return history.get(n - 1)


def due(n: int, history: dict[int, dt.date], extension_months: int) -> dt.date | None:
    """When step `n` is due (a later action is recorded as late)."""
    if n == 2 and 1 in history:  # talk within a month of the application
        return add_months(history[1], 1)
    if n in (4, 8, 18) and n - 1 in history:  # filing within a month
        return add_months(history[n - 1], 1)
    if n == 15 and 10 in history:  # political review is valid for a year
        return add_months(history[10], 12)
    if n == 17 and 15 in history:  # approval within 3 months
        return add_months(history[15], 3)
    if n == 22:
        end = probation_end(history, extension_months)
        return add_months(end, 1) if end else None
    if n == 24 and 23 in history:
        return add_months(history[23], 3)
    if n == 25 and 24 in history:  # archived within a week
        return history[24] + dt.timedelta(days=7)
    return None


def hard_limit(n: int, history: dict[int, dt.date]) -> tuple[dt.date, str] | None:
    """Deadlines that may not be passed at all."""
    if n == 15 and 10 in history:
        return add_months(history[10], 12), "the political review is older than a year"
    if n == 17 and 15 in history:
        return add_months(history[15], 6), "approval must come within 6 months of the meeting"
    if n == 24 and 23 in history:
        return add_months(history[23], 6), "approval must come within 6 months of the meeting"
    return None


def return_target(n: int) -> int:
    """A returned step goes back to the branch step before it."""
    return next(s.number for s in reversed(STEPS[: n - 1]) if s.level is BRANCH)


@dataclass
class Evidence:
    notes: str | None = None
    notice_from: dt.date | None = None
    notice_to: dt.date | None = None
    votes_due: int | None = None
    votes_present: int | None = None
    votes_yes: int | None = None
    class_hours: int | None = None
    people: list[int] = field(default_factory=list)


async def working_days(ctx: Context, start: dt.date, end: dt.date) -> int:
    """Mon–Fri between the dates (inclusive), less public holidays, plus swapped days."""
    rows = {
        d: w
        for d, w in await ctx.session.execute(
            select(Holiday.day, Holiday.working).where(Holiday.day.between(start, end))
        )
    }
    count, day = 0, start
    while day <= end:
        count += rows[day] if day in rows else day.weekday() < 5
        day += dt.timedelta(days=1)
    return count


async def check_evidence(
    ctx: Context, s: Step, decision: Decision, acted_on: dt.date, ev: Evidence, member_id: int
) -> None:
    if s.notice and decision is Decision.PASS:
        if ev.notice_from is None or ev.notice_to is None:
            raise BadUserInput(
                f"step {s.number} needs a public notice first (noticeFrom, noticeTo)"
            )
        if not ev.notice_from <= ev.notice_to < acted_on:
            raise BadUserInput("the public notice must end before the decision")
        if await working_days(ctx, ev.notice_from, ev.notice_to) < NOTICE_WORKING_DAYS:
            raise BadUserInput("the public notice must last at least 5 working days")
    if s.vote:
        due_, present, yes = ev.votes_due, ev.votes_present, ev.votes_yes
        if due_ is None or present is None or yes is None:
            raise BadUserInput(
                "the meeting's votes are required (votesDue, votesPresent, votesYes)"
            )
        if not 0 <= yes <= present <= due_ or due_ < 1:
            raise BadUserInput("votes must satisfy 0 ≤ yes ≤ present ≤ due")
        if present * 2 <= due_:
            raise BadUserInput(
                "quorum not reached: more than half of the voting members must attend"
            )
        if decision is Decision.PASS and yes * 2 <= due_:
            raise BadUserInput(
                "the vote did not pass: more than half of the voting members must agree"
            )
    if decision is Decision.PASS and s.min_hours and (ev.class_hours or 0) < s.min_hours:
        raise BadUserInput(f"training needs at least {s.min_hours} class hours (or 3 days)")
    low, high = s.people
    if decision is Decision.PASS and high:
        people = set(ev.people)
        if not low <= len(people) <= high or member_id in people:
            raise BadUserInput(f"step {s.number} names {low}–{high} other members")
        wanted = (
            (MemberStatus.FULL,)
            if s.number == 9
            else (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        )
        # counted within the caller's member scope: an id outside it reads as "not a member",
        # so the check reveals nothing about other organisations' people
        found = await ctx.session.scalar(
            scoped_members(ctx, func.count()).where(
                Member.id.in_(people), Member.status.in_(wanted)
            )
        )
        if found != len(people):
            raise BadUserInput(
                "sponsors must be full members, and contacts Party members, of your organisation"
            )


# ---- reads -----------------------------------------------------------------------------------


def dev_scope(ctx: Context) -> Scope:
    return ctx.scope("development", "read")


def scoped_cases(ctx: Context, *columns) -> Select:
    stmt = select(*(columns or tuple(DevelopmentCase.__table__.c))).select_from(DevelopmentCase)
    return dev_scope(ctx).apply(stmt, DevelopmentCase.org_path, DevelopmentCase.member_id)


async def load_cases(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_cases(ctx), DevelopmentCase.id, ids)


async def get_case(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_cases, pk)


async def load_member_cases(ctx: Context, member_ids: Sequence[int]) -> list[Row | None]:
    """Each member's latest visible case."""
    found: dict[int, Row] = {}
    for row in await ctx.session.execute(
        scoped_cases(ctx)
        .where(DevelopmentCase.member_id.in_(member_ids))
        .order_by(DevelopmentCase.id)
    ):
        found[row.member_id] = row
    return [found.get(m) for m in member_ids]


async def member_case(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_member_cases, member_id)


async def load_records(ctx: Context, case_ids: Sequence[int]) -> list[list[Row]]:
    """Timelines, oldest first, of visible cases."""
    visible = scoped_cases(ctx, DevelopmentCase.id).where(DevelopmentCase.id.in_(case_ids))
    found: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(
        select(*DevelopmentRecord.__table__.c)
        .where(DevelopmentRecord.case_id.in_(visible))
        .order_by(DevelopmentRecord.id)
    ):
        found.setdefault(row.case_id, []).append(row)
    return [found.get(c, []) for c in case_ids]


async def records(ctx: Context, case_id: int) -> list[Row]:
    return await ctx.load(load_records, case_id)


def acting_scopes(ctx: Context) -> dict[ActingLevel, Scope]:
    """Where the caller may act, per tier."""
    principal = ctx.require()
    return {
        level: scope_for(principal, "development", f"act_{level.name.lower()}")
        for level in ActingLevel
    }


def waiting_for_me(ctx: Context):
    """Open cases whose next step is at a tier the caller acts at, within scope."""
    clauses = []
    for level, scope in acting_scopes(ctx).items():
        if scope.everything:
            clauses.append(DevelopmentCase.next_level == level)
        elif scope.paths:
            clauses.append(
                (DevelopmentCase.next_level == level)
                & any_subtree(DevelopmentCase.org_path, scope.paths)
            )
    return or_(*clauses) if clauses else false()


def _open_in(ctx: Context, path: str, *columns) -> Select:
    return scoped_cases(ctx, *columns).where(
        DevelopmentCase.status == CaseStatus.OPEN, subtree(DevelopmentCase.org_path, path)
    )


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
    overdue = [
        _open_in(ctx, p, func.count().label("n")).where(DevelopmentCase.next_due_on < today)
        for p in keys
    ]
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
    first: int | None
    after: str | None


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


def history_of(rows: Sequence[Row]) -> dict[int, dt.date]:
    """Dates of the steps in force: the latest pass of each, dropping steps a return undid."""
    history: dict[int, dt.date] = {}
    for r in rows:
        if r.decision is Decision.PASS and r.step:
            history[r.step] = r.acted_on
        elif r.decision is Decision.RETURN:
            for n in range(return_target(r.step), r.step + 1):
                history.pop(n, None)
    return history


def next_state(n: int, history: dict[int, dt.date], extension: int) -> dict:
    """The case columns for open step `n`."""
    if n >= DONE_STEP:
        return {
            "next_step": DONE_STEP,
            "next_level": None,
            "next_earliest_on": None,
            "next_due_on": None,
            "status": CaseStatus.DONE,
        }
    return {
        "next_step": n,
        "next_level": step(n).level,
        "next_earliest_on": earliest(n, history, extension),
        "next_due_on": due(n, history, extension),
    }


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


def _may_act(ctx: Context, level: ActingLevel, path: str) -> None:
    if not can(ctx.require(), "development", f"act_{level.name.lower()}", path):
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
    done = await ctx.session.execute(
        update(DevelopmentCase)
        .where(DevelopmentCase.id == case.id, DevelopmentCase.version == expected_version)
        .values(version=expected_version + 1, **values)
    )
    if done.rowcount != 1:
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
        await ctx.session.execute(
            update(Member).where(Member.id == case.member_id).values(**member_values)
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
    s = step(number)
    _may_act(ctx, s.level, case.org_path)
    if case.version != expected_version:
        raise Conflict("the case changed since you read it: reload and try again")
    if case.status is not CaseStatus.OPEN:
        raise BadUserInput("this case is closed")
    if number != case.next_step:
        raise BadUserInput(
            f"step {case.next_step} ({step(case.next_step).name}) is next, not step {number}"
        )
    if decision is Decision.RETURN and s.level is BRANCH:
        raise BadUserInput("only the street and district tiers return a case")
    if acted_on > ctx.today:
        raise BadUserInput("a step cannot be dated in the future")
    history = await _history(ctx, case.id)
    first = earliest(number, history, case.extension_months)
    if first and acted_on < first:
        raise BadUserInput(f"step {number} ({s.name}) cannot happen before {first}")
    limit = hard_limit(number, history)
    if decision is Decision.PASS and limit and acted_on > limit[0]:
        raise BadUserInput(limit[1])
    await check_evidence(ctx, s, decision, acted_on, ev, case.member_id)
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
    member_values = None
    if decision is Decision.REJECT:
        values = {
            "status": CaseStatus.REJECTED,
            "next_level": None,
            "next_due_on": None,
            "next_earliest_on": None,
        }
    elif decision is Decision.RETURN:
        back = return_target(number)
        for n in range(back, number):
            history.pop(n, None)
        values = next_state(back, history, case.extension_months)
    else:
        history[number] = acted_on
        values = next_state(number + 1, history, case.extension_months)
        if s.status_after is MemberStatus.PROBATIONARY:
            member_values = {"status": s.status_after, "joined_on": history[15]}
        elif s.status_after is MemberStatus.FULL:
            member_values = {
                "status": s.status_after,
                "confirmed_on": probation_end(history, case.extension_months),
            }
        elif s.status_after:
            member_values = {"status": s.status_after}
    await _save_step(w, case, expected_version, values, record, member_values)
    return case.id


async def open_case(w: Write, member_id: int | None, applied_on: dt.date) -> int:
    """Step 1: the branch records an application (递交入党申请书) and opens the case."""
    ctx = w.ctx
    principal = ctx.require()
    member = None
    if member_id is not None:
        member = (
            await ctx.session.execute(
                select(Member.id, Member.org_path, Member.status).where(Member.id == member_id)
            )
        ).one_or_none()
    if member is None or not can(principal, "development", "act_branch", member.org_path):
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
    _may_act(ctx, STREET, case.org_path)
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
