"""Party dues (党费, 中组发〔2008〕3号): payable from the rule set, idempotent payments with
reversing corrections, ledgers, collection figures and arrears."""

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Subquery,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from authz.enforcer import can
from authz.paths import subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import Period
from domain.clock import clock
from domain.dues import (
    FLAG_MONTHS,
    PAYING,
    SELF_MAX_MONTHS,
    Band,
    RuleSet,
    month_label,
    parse_month,
    period_of,
    period_of_date,
)
from domain.errors import recuse
from models import (
    DuesBase,
    DuesMonth,
    DuesPayment,
    DuesRule,
    Member,
    Organization,
    OrgLevel,
    PaymentChannel,
    PaymentKind,
    Standing,
)
from resolvers.batch import keyed_union, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, ClientError, Forbidden
from resolvers.ids import to_global_id
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

EarlierBase = aliased(DuesBase, name="earlier_base")
Branch = aliased(Organization, name="branch")
CORRELATED = "correlated to the scoped dues_base row of the outer statement"
AUTHORIZED = "the member authorized above"
REFERENCE = "reference data: the dues rule sets (中组发〔2008〕3号)"


class IdempotencyKeyReused(ClientError):
    code = "IDEMPOTENCY_KEY_REUSED"


async def load_rule_set(db: AsyncSession | AsyncConnection, on: dt.date) -> RuleSet:
    """The rule set in force on `on` (the latest effective before it)."""
    name = await db.scalar(
        unscoped(select(DuesRule.rule_set), why=REFERENCE)
        .where(DuesRule.effective_from <= on)
        .order_by(DuesRule.effective_from.desc())
        .limit(1)
    )
    if name is None:
        raise BadUserInput(f"no dues rule set in force on {on}")
    rows = await db.execute(
        unscoped(
            select(
                DuesRule.category,
                DuesRule.upper_fen,
                DuesRule.rate_bp,
                DuesRule.fixed_fen,
                DuesRule.min_fen,
                DuesRule.max_fen,
            ),
            why=REFERENCE,
        )
        .where(DuesRule.rule_set == name)
        .order_by(DuesRule.category, DuesRule.upper_fen.is_(None), DuesRule.upper_fen)
    )
    bands: dict[str, list[Band]] = {}
    for category, *band in rows:
        bands.setdefault(category, []).append(Band(*band))
    return RuleSet(name, {k: tuple(v) for k, v in bands.items()})


# ---- scopes ----------------------------------------------------------------------------------


def dues_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.DUES, Action.READ)


def dues_rows(ctx: Context, model: type, *columns) -> Select:
    """`columns` of a dues table, limited to the caller's dues scope."""
    return scoped(dues_scope(ctx), model, *columns)


def base_visible(ctx: Context, org_path: str, member_id: int) -> bool:
    """Income bases are sensitive: shown like PII, only with `dues.base`; so are a member's
    amounts (owed, paid), which give the base to within a band's rounding (docs/ARCHITECTURE.md,
    "Money figures")."""
    return ctx.scope(Resource.DUES_BASE, Action.READ).covers(org_path, member_id)


def totals_visible(ctx: Context, path: str) -> bool:
    """A subtree's money totals, only where every base summed is visible (`dues.base` over the
    subtree): totals change one member at a time (a payment, a member newly owing), and with
    the paid months and arrears anyone with `dues.read` sees, a change is a member's amount."""
    return ctx.scope(Resource.DUES_BASE, Action.READ).covers(path)


# ---- the ledger ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerMonth:
    period: int
    payable_fen: int
    paid_fen: int
    paid_at: dt.datetime | None
    channel: PaymentChannel | None
    payment_id: int | None


@dataclass(frozen=True)
class Ledger:
    year: int
    org_path: str
    base: Row | None
    months: tuple[LedgerMonth, ...]


async def load_ledgers(ctx: Context, keys: Sequence[tuple[int, int]]) -> list[Ledger | None]:
    """Month-by-month ledgers of (member, year); None where the caller may not see dues."""
    member_ids = {m for m, _ in keys}
    years = {y for _, y in keys}
    bases = {
        (r.member_id, r.year): r
        for r in await ctx.session.execute(
            dues_rows(ctx, DuesBase, *DuesBase.__table__.c).where(
                DuesBase.member_id.in_(member_ids), DuesBase.year.in_(years)
            )
        )
    }
    members = scoped(dues_scope(ctx), Member, Member.id, Member.org_path).where(
        Member.id.in_(member_ids)
    )
    paths = {m: p for m, p in await ctx.session.execute(members)}
    visible = set(paths)
    lo, hi = period_of(min(years), 1), period_of(max(years), 12)
    settled: dict[tuple[int, int], Row] = {}
    for row in await ctx.session.execute(
        dues_rows(
            ctx,
            DuesMonth,
            DuesMonth.member_id,
            DuesMonth.period,
            DuesMonth.amount_fen,
            DuesMonth.payment_id,
            DuesPayment.paid_at,
            DuesPayment.channel,
        )
        .join(DuesPayment, DuesPayment.id == DuesMonth.payment_id)
        .where(
            DuesMonth.member_id.in_(visible),
            DuesMonth.period.between(lo, hi),
            DuesMonth.voided_by.is_(None),
        )
    ):
        settled[(row.member_id, row.period)] = row
    out: list[Ledger | None] = []
    for member_id, year in keys:
        if member_id not in visible:
            out.append(None)
            continue
        base = bases.get((member_id, year))
        months = []
        for p in range(period_of(year, 1), period_of(year, 12) + 1):
            owed = base is not None and not base.exempt and p >= base.owed_from
            paid = settled.get((member_id, p))
            months.append(
                LedgerMonth(
                    p,
                    base.monthly_payable_fen if base is not None and owed else 0,
                    paid.amount_fen if paid else 0,
                    paid.paid_at if paid else None,
                    paid.channel if paid else None,
                    paid.payment_id if paid else None,
                )
            )
        out.append(Ledger(year, paths[member_id], base, tuple(months)))
    return out


async def ledger(ctx: Context, member_id: int, year: int) -> Ledger | None:
    return await ctx.load(load_ledgers, (member_id, year))


# ---- collection figures and arrears --------------------------------------------------------


def _due(ctx: Context, path: str, period: int, *columns) -> Select:
    """Members of the subtree owing dues for `period` (base set, not exempt, admitted, on the
    roll: who left it before the month owes no more; the partial index `ix_member_left`)."""
    left = unscoped(
        select(Member.id).where(
            Member.standing != Standing.ACTIVE,
            Member.standing_on < dt.date(period // 12, period % 12 + 1, 1),
        ),
        why="ids of members who left the roll, only to leave out dues rows already scoped",
    )
    return dues_rows(ctx, DuesBase, *columns).where(
        subtree(DuesBase.org_path, path), *_owing_by(period), DuesBase.member_id.not_in(left)
    )


def _live(ctx: Context, path: str, period: int, *columns) -> Select:
    return dues_rows(ctx, DuesMonth, *columns).where(
        DuesMonth.period == period, subtree(DuesMonth.org_path, path), DuesMonth.voided_by.is_(None)
    )


def last_paid(period: int):
    """The latest month up to `period` that the current dues_base row's member has paid."""
    return (
        unscoped(select(func.max(DuesMonth.period)), why=CORRELATED)
        .where(
            DuesMonth.member_id == DuesBase.member_id,
            DuesMonth.voided_by.is_(None),
            DuesMonth.period <= period,
        )
        .scalar_subquery()
    )


def arrears_months(period: int):
    """Consecutive unpaid months up to `period` of the current dues_base row's member:
    since the last live settlement, or since the member first owed."""
    first_owed = (
        unscoped(select(func.min(EarlierBase.owed_from)), why=CORRELATED)
        .where(EarlierBase.member_id == DuesBase.member_id)
        .scalar_subquery()
    )
    return literal(period) - func.coalesce(last_paid(period), first_owed - 1)


def _month_start(period: int) -> dt.datetime:
    return clock().start_of(dt.date(period // 12, period % 12 + 1, 1))


def _left_roll() -> Subquery:
    return unscoped(
        select(Member.id, Member.standing_on).where(Member.standing != Standing.ACTIVE),
        why="who left the roll, joined to the scoped dues rows only to end what they owe",
    ).subquery("left_roll")


def _owing_by(month: int) -> list[ColumnElement[bool]]:
    """Dues rows of `month`'s year owing from that month or before (set, not exempt)."""
    return [
        DuesBase.year == month // 12,
        DuesBase.owed_from <= month,
        DuesBase.exempt.is_(False),
        DuesBase.monthly_payable_fen > 0,
    ]


def _on_time_month(ctx: Context, month: int) -> Select:
    """`dues_on_time_source` for one month (a trend's): the dues rows owing it, hash-joined
    to the month's on-time live settlements (one per member, `ix_dues_month_on_time_period`,
    index-only) instead of a probe per row. The same figures as `_on_time_year`'s."""
    left_roll = _left_roll()
    settled = unscoped(
        select(DuesMonth.member_id).where(
            DuesMonth.period == month, DuesMonth.voided_by.is_(None), DuesMonth.on_time
        ),
        why="the month's on-time settlements, joined to the scoped dues rows",
    ).subquery("settled")
    return (
        dues_rows(
            ctx,
            DuesBase,
            DuesBase.org_path.label("path"),
            case((settled.c.member_id.is_not(None), 1), else_=0).label("numerator"),
            literal(1).label("denominator"),
        )
        .outerjoin(left_roll, left_roll.c.id == DuesBase.member_id)
        .outerjoin(settled, settled.c.member_id == DuesBase.member_id)
        .where(
            *_owing_by(month),
            # who left the roll owes up to the month they left in (`_due`: none after it)
            or_(
                left_roll.c.standing_on.is_(None),
                left_roll.c.standing_on >= _month_start(month).date(),
            ),
        )
    )


def _on_time_year(ctx: Context, months: list[int]) -> Select:
    """`dues_on_time_source` for consecutive `months` of one year: one pass over the year's
    dues rows. Each row owes the months from `lo` (its first owed, or the first asked) to `hi`
    (the last asked, or the month its member left the roll in: the few who left, hash-joined
    once rather than looked up per row); its numerator counts the live settlements of those
    months marked `on_time` when written (one index-only range of `ix_dues_month_on_time`
    per row, correlated: never the city's settlements at once)."""
    first, last = months[0], months[-1]
    if first == last:
        return _on_time_month(ctx, first)
    left_roll = _left_roll()
    owing = (
        dues_rows(
            ctx,
            DuesBase,
            DuesBase.org_path.label("path"),
            DuesBase.member_id,
            case((DuesBase.owed_from > first, DuesBase.owed_from), else_=first).label("lo"),
            left_roll.c.standing_on.label("left_on"),
        )
        .outerjoin(left_roll, left_roll.c.id == DuesBase.member_id)
        .where(*_owing_by(last))
        .subquery("owing")
    )
    # who left the roll owes up to the month they left in (`_due`: none after it)
    hi = case(
        (owing.c.left_on.is_(None), last),
        *((owing.c.left_on >= _month_start(m).date(), m) for m in reversed(months)),
        else_=first - 1,
    )
    on_time = unscoped(
        select(func.count())
        .select_from(DuesMonth)
        .where(
            DuesMonth.member_id == owing.c.member_id,
            DuesMonth.period >= owing.c.lo,
            DuesMonth.period <= hi,
            DuesMonth.voided_by.is_(None),
            DuesMonth.on_time,
        ),
        why="the settlements of the scoped dues row it is correlated to",
    ).scalar_subquery()
    return unscoped(
        select(
            owing.c.path,
            on_time.label("numerator"),
            case((hi >= owing.c.lo, hi - owing.c.lo + 1), else_=0).label("denominator"),
        ),
        why="the scoped dues rows above, with their figures",
    )


def dues_on_time_source(ctx: Context, period: Period) -> Select:
    """DUES_ON_TIME (党费按时缴纳率): member-months owing dues (`_due`: base set, not exempt,
    admitted, on the roll) paid on time ÷ member-months owing dues, over the months of the
    period that ended by today. A month M is paid on time when a live settlement of M
    (`dues_month`, not voided by a reversal) belongs to a payment made before M ended (its
    `on_time`, fixed when the settlement is written; dues are paid monthly, 按月缴纳, by the
    month's last day; months paid ahead count as on time, a late payment settles the month
    but not on time).
    One row per member and year, at the dues row's org path, in the caller's dues scope."""
    first = period_of_date(period.start)
    last = min(period_of_date(period.end - dt.timedelta(days=1)), period_of_date(ctx.today) - 1)
    years: dict[int, list[int]] = {}
    for m in range(first, last + 1):
        years.setdefault(m // 12, []).append(m)
    if not years:  # no month of the period has ended: nothing is due yet
        return _on_time_year(ctx, [first]).where(false())
    parts = [_on_time_year(ctx, months) for months in years.values()]
    return parts[0] if len(parts) == 1 else union_all(*parts)  # type: ignore[return-value]


@dataclass(frozen=True)
class Collection:
    period: int
    payable_fen: int
    collected_fen: int
    members_due: int
    members_paid: int
    arrears: dict[str, int]


ARREARS_BUCKETS = ("0", "1", "2", "3", "4", "5", "6+")


async def load_collections(ctx: Context, keys: Sequence[tuple[str, int]]) -> list[Collection]:
    """Three statements for any number of (org path, period)."""
    due = [
        _due(
            ctx,
            p,
            m,
            func.count().label("n"),
            func.coalesce(func.sum(DuesBase.monthly_payable_fen), 0).label("fen"),
        )
        for p, m in keys
    ]
    paid = [
        _live(
            ctx,
            p,
            m,
            func.count(func.distinct(DuesMonth.member_id)).label("n"),
            func.coalesce(func.sum(DuesMonth.amount_fen), 0).label("fen"),
        )
        for p, m in keys
    ]
    buckets = []
    for p, m in keys:
        per_member = _due(ctx, p, m, arrears_months(m).label("months")).subquery()
        label = case(
            (per_member.c.months >= FLAG_MONTHS, literal("6+")),
            else_=cast(per_member.c.months, String),
        ).label("k")
        grouped = unscoped(select(label, func.count().label("n")), why="groups `per_member`")
        buckets.append(grouped.select_from(per_member).group_by(label))
    d, c, b = [await keyed_union(ctx.session, s) for s in (due, paid, buckets)]
    return [
        Collection(m, d[i][0].fen, c[i][0].fen, d[i][0].n, c[i][0].n, {r.k: r.n for r in b[i]})
        for i, (_, m) in enumerate(keys)
    ]


async def collection(ctx: Context, path: str, period: int) -> Collection:
    return await ctx.load(load_collections, (path, period))


@dataclass(frozen=True)
class ArrearsKey:
    path: str
    period: int
    min_months: int
    window: Window


BY_MEMBER = Order(None, DuesBase.member_id)


def _arrears_list(ctx: Context, key: ArrearsKey) -> Select:
    months = arrears_months(key.period)
    return _due(
        ctx,
        key.path,
        key.period,
        DuesBase.member_id,
        DuesBase.org_path,
        DuesBase.monthly_payable_fen,
        months.label("months"),
        last_paid(key.period).label("last_paid"),
    ).where(months >= key.min_months)


async def load_arrears(ctx: Context, keys: Sequence[ArrearsKey]) -> list[Page[Row]]:
    if any(k.min_months < 1 for k in keys):
        raise BadUserInput("minMonths must be at least 1")
    return await page_batch(ctx.session, keys, lambda k: _arrears_list(ctx, k), BY_MEMBER)


async def arrears(ctx: Context, key: ArrearsKey) -> Page[Row]:
    return await ctx.loader(load_arrears).load(key)


BY_PATH = Order(Organization.path, Organization.id)


@dataclass(frozen=True)
class PublicationKey:
    path: str
    year: int
    window: Window


def _publication_list(ctx: Context, key: PublicationKey) -> Select:
    """Each branch of the subtree with its year's payable and collected dues (党费公示)."""
    first_p, last_p = period_of(key.year, 1), period_of(key.year, 12)
    owed_months = literal(last_p + 1) - DuesBase.owed_from
    payable = (
        dues_rows(
            ctx, DuesBase, func.coalesce(func.sum(DuesBase.monthly_payable_fen * owed_months), 0)
        )
        .where(
            DuesBase.org_path == Organization.path,
            DuesBase.year == key.year,
            DuesBase.exempt.is_(False),
        )
        .scalar_subquery()
    )
    collected = (
        dues_rows(ctx, DuesMonth, func.coalesce(func.sum(DuesMonth.amount_fen), 0))
        .where(
            DuesMonth.org_path == Organization.path,
            DuesMonth.period.between(first_p, last_p),
            DuesMonth.voided_by.is_(None),
        )
        .scalar_subquery()
    )
    return scoped(
        ctx.scope(Resource.ORG, Action.READ),
        Organization,
        Organization.id,
        Organization.name,
        Organization.level,
        Organization.path,
        payable.label("payable_fen"),
        collected.label("collected_fen"),
    ).where(subtree(Organization.path, key.path), Organization.level == OrgLevel.BRANCH)


async def load_publications(ctx: Context, keys: Sequence[PublicationKey]) -> list[Page[Row]]:
    """The publications of any number of subtrees in one statement (and one for totals)."""
    return await page_batch(ctx.session, keys, lambda k: _publication_list(ctx, k), BY_PATH)


async def publication(ctx: Context, key: PublicationKey) -> Page[Row]:
    return await ctx.loader(load_publications).load(key)


# ---- writes --------------------------------------------------------------------------------


def fingerprint(**fields: object) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


PAYER = (
    Member.id,
    Member.org_id,
    Member.org_path,
    Member.status,
    Member.joined_on,
    Member.dues_category,
)


async def _member(w: Write, member_id: int | None, action: Action, resource: Resource) -> Row:
    """The member whose dues change, if the caller may (FORBIDDEN otherwise, as for none)."""
    member = await w.authorized(Member, member_id, action, *PAYER, resource=resource)
    if member is None:
        raise Forbidden(
            "you may not set dues bases for this member"
            if resource is Resource.DUES_BASE
            else "you may not record dues for this member"
        )
    return member


async def set_base(
    w: Write,
    member_id: int | None,
    year: int,
    category: str | None,
    base_fen: int | None,
    set_fen: int | None,
) -> int:
    """The branch sets a member's category and monthly base once a year."""
    ctx = w.ctx
    principal = ctx.require()
    member = await _member(w, member_id, Action.WRITE, Resource.DUES_BASE)
    recuse(principal.member_id, member.id, "set your own dues base")
    if not 2008 <= year <= ctx.today.year + 1:
        raise BadUserInput("year is out of range")
    if member.status not in PAYING or member.joined_on is None:
        raise BadUserInput("only probationary and full members pay dues")
    rules = await load_rule_set(ctx.session, dt.date(year, 1, 1))
    category = category or member.dues_category.name
    payable = rules.payable(category, base_fen, set_fen)
    owed_from = max(period_of(year, 1), period_of_date(member.joined_on))
    row = DuesBase(
        member_id=member.id,
        org_path=member.org_path,
        year=year,
        category=category,
        monthly_base_fen=base_fen,
        monthly_payable_fen=payable,
        rule_set=rules.name,
        owed_from=owed_from,
        set_by=principal.account_id,
        set_on=ctx.today,
    )
    ctx.session.add(row)
    await w.flush(BadUserInput(f"the dues base for {year} is already set"))
    w.record(
        to_global_id("Member", member.id),
        member.org_path,
        after={
            "year": year,
            "category": category,
            "monthly_base_fen": base_fen,
            "monthly_payable_fen": payable,
        },
    )
    return row.id


async def approve_exemption(w: Write, member_id: int | None, year: int, reason: str) -> None:
    """Hardship exemption, approved one level above the member's branch."""
    ctx = w.ctx
    principal = ctx.require()
    member = None
    if member_id is not None:
        member = (
            await ctx.session.execute(
                unscoped(
                    select(*PAYER).where(Member.id == member_id),
                    why="authorized below, one level above the member's branch",
                )
            )
        ).one_or_none()
    parent = None
    if member is not None:
        parent = await ctx.session.scalar(
            unscoped(
                select(Organization.path)
                .join(Branch, Branch.parent_id == Organization.id)
                .where(Branch.id == member.org_id),
                why="the parent of the member's branch, where exemptions are approved",
            )
        )
    if member is None or parent is None or not can(principal, Resource.DUES, Action.EXEMPT, parent):
        if member is not None:
            w.refuse(to_global_id("Member", member.id), member.org_path)
        raise Forbidden("exemptions are approved one level above the member's branch")
    recuse(principal.member_id, member.id, "exempt yourself from dues")
    if not reason.strip():
        raise BadUserInput("a reason is required")
    exempt = (
        unscoped(update(DuesBase), why=AUTHORIZED)
        .where(DuesBase.member_id == member.id, DuesBase.year == year)
        .values(exempt=True, exemption_reason=reason.strip())
    )
    if await w.change(exempt) == 0:
        raise BadUserInput(f"no dues base set for {year}")
    w.record(
        to_global_id("Member", member.id),
        member.org_path,
        before={"exempt": False},
        after={"exempt": True, "year": year},
    )


@dataclass(frozen=True)
class PayRequest:
    member_id: int | None
    months: tuple[str, ...]
    amount_fen: int
    channel: PaymentChannel
    payer_id: int | None
    key: str


async def _replay(ctx: Context, key: str, digest: str) -> int | None:
    """The first answer for a key this account already used with this content; refuse other
    content. Keys are the account's own: another account's key is a fresh one here."""
    found = (
        await ctx.session.execute(
            unscoped(
                select(DuesPayment.id, DuesPayment.request_hash).where(
                    DuesPayment.recorded_by == ctx.require().account_id,
                    DuesPayment.idempotency_key == key,
                ),
                why="an idempotency key names one earlier request of the caller's own account",
            )
        )
    ).one_or_none()
    if found is None:
        return None
    if found.request_hash != digest:
        raise IdempotencyKeyReused("this idempotency key was used for a different request")
    return found.id


async def pay(w: Write, req: PayRequest) -> int:
    """Record a payment of whole months; idempotent by key. Returns the payment id."""
    ctx = w.ctx
    principal = ctx.require()
    if not 8 <= len(req.key) <= 80:
        raise BadUserInput("idempotencyKey must be 8 to 80 characters")
    member = await _member(w, req.member_id, Action.PAY, Resource.DUES)
    digest = fingerprint(
        member=member.id,
        months=sorted(req.months),
        amount=req.amount_fen,
        channel=req.channel.name,
        payer=req.payer_id or member.id,
    )
    if (done := await _replay(ctx, req.key, digest)) is not None:
        return done
    periods = sorted({parse_month(m) for m in req.months})
    if not periods or len(periods) != len(req.months):
        raise BadUserInput("months must be distinct and at least one")
    if len({p // 12 for p in periods}) > 1:
        raise BadUserInput("pay each calendar year separately")
    own = principal.member_id == member.id and not can(
        principal, Resource.DUES, Action.PAY, member.org_path
    )
    if own and (len(periods) > SELF_MAX_MONTHS or periods[-1] > period_of_date(ctx.today)):
        raise BadUserInput("paying more than a quarter, or in advance, needs the branch")
    base = (
        await ctx.session.execute(
            unscoped(
                select(DuesBase).where(
                    DuesBase.member_id == member.id, DuesBase.year == periods[0] // 12
                ),
                why=AUTHORIZED,
            )
        )
    ).scalar_one_or_none()
    if base is None:
        raise BadUserInput(f"no dues base is set for {periods[0] // 12}")
    if base.exempt:
        raise BadUserInput("this member is exempt from dues that year")
    if periods[0] < base.owed_from:
        raise BadUserInput(f"dues are owed from {month_label(base.owed_from)}")
    expected = base.monthly_payable_fen * len(periods)
    if req.amount_fen != expected:
        raise BadUserInput(f"amount must be {expected} fen for {len(periods)} month(s)")
    paid = (
        await ctx.session.scalars(
            unscoped(
                select(DuesMonth.period).where(
                    DuesMonth.member_id == member.id,
                    DuesMonth.period.in_(periods),
                    DuesMonth.voided_by.is_(None),
                ),
                why=AUTHORIZED,
            )
        )
    ).all()
    if paid:
        if (done := await _replay(ctx, req.key, digest)) is not None:
            return done  # the same request, committed meanwhile by a concurrent retry
        raise BadUserInput(f"{month_label(min(paid))} is already paid")
    payer = req.payer_id or member.id
    if payer != member.id and not await w.authorized(Member, payer, Action.READ, Member.id):
        # a payer by proxy (代缴) is a member the recorder may see; others are as missing ones
        raise BadUserInput("payerId must name a member")
    payment = DuesPayment(
        kind=PaymentKind.PAYMENT,
        member_id=member.id,
        org_path=member.org_path,
        payer_member_id=payer,
        amount_fen=req.amount_fen,
        channel=req.channel,
        paid_at=ctx.now,
        recorded_by=principal.account_id,
        idempotency_key=req.key,
        request_hash=digest,
    )
    meanwhile = BadUserInput("those months were paid meanwhile")
    replay = partial(_replay, ctx, req.key, digest)
    ctx.session.add(payment)
    await w.flush(meanwhile, replay)
    ctx.session.add_all(
        [
            DuesMonth(
                payment_id=payment.id,
                member_id=member.id,
                org_path=member.org_path,
                period=p,
                amount_fen=base.monthly_payable_fen,
                on_time=ctx.now < _month_start(p + 1),
            )
            for p in periods
        ]
    )
    await w.flush(meanwhile, replay)
    w.record(
        to_global_id("DuesPayment", payment.id),
        member.org_path,
        after={
            "member_id": member.id,
            "months": [month_label(p) for p in periods],
            "amount_fen": req.amount_fen,
            "channel": req.channel.name,
            "payer_id": payer,
            "idempotency_key": req.key,
        },
    )
    return payment.id


async def reverse(w: Write, payment_id: int | None, reason: str, idempotency_key: str) -> int:
    """A reversing entry for a payment (corrections never edit the ledger)."""
    ctx = w.ctx
    principal = ctx.require()
    original = await w.authorized(
        DuesPayment,
        payment_id,
        Action.PAY,
        *DuesPayment.__table__.c,
        self_allowed=False,  # a member pays their own dues but does not correct the ledger
    )
    if original is None:
        raise Forbidden("you may not correct this payment")
    digest = fingerprint(reverses=original.id, reason=reason.strip())
    if (done := await _replay(ctx, idempotency_key, digest)) is not None:
        return done
    if original.kind != PaymentKind.PAYMENT:
        raise BadUserInput("only payments can be reversed")
    if not reason.strip():
        raise BadUserInput("a reason is required")
    entry = DuesPayment(
        kind=PaymentKind.REVERSAL,
        member_id=original.member_id,
        org_path=original.org_path,
        payer_member_id=original.payer_member_id,
        amount_fen=-original.amount_fen,
        channel=original.channel,
        paid_at=ctx.now,
        recorded_by=principal.account_id,
        reverses_id=original.id,
        note=reason.strip(),
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    ctx.session.add(entry)
    await w.flush(replay=partial(_replay, ctx, idempotency_key, digest))
    void = (
        unscoped(update(DuesMonth), why="the payment authorized above")
        .where(DuesMonth.payment_id == original.id, DuesMonth.voided_by.is_(None))
        .values(voided_by=entry.id)
    )
    if await w.change(void) == 0:
        raise BadUserInput("this payment was already reversed")
    w.record(
        to_global_id("DuesPayment", original.id),
        original.org_path,
        before={"amount_fen": original.amount_fen},
        after={"reversal_id": entry.id, "reason": reason.strip()},
    )
    return entry.id


async def load_payments(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(
        ctx.session, dues_rows(ctx, DuesPayment, *DuesPayment.__table__.c), DuesPayment.id, ids
    )


async def get_payment(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_payments, pk)


async def load_payment_months(ctx: Context, ids: Sequence[int]) -> list[list[int]]:
    """The months each (visible) payment settled or, for a reversal, voided."""
    rows = await ctx.session.execute(
        dues_rows(ctx, DuesMonth, DuesMonth.payment_id, DuesMonth.voided_by, DuesMonth.period)
        .where((DuesMonth.payment_id.in_(ids)) | (DuesMonth.voided_by.in_(ids)))
        .order_by(DuesMonth.period)
    )
    found: dict[int, list[int]] = {}
    for payment_id, voided_by, period in rows:
        for owner in (payment_id, voided_by):
            if owner in ids:
                found.setdefault(owner, []).append(period)
    return [found.get(i, []) for i in ids]


async def payment_months(ctx: Context, payment_id: int) -> list[int]:
    return await ctx.load(load_payment_months, payment_id)
