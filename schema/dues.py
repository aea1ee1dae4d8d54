"""GraphQL types of Party dues (党费)."""

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import Row

from domain.dues import FLAG_MONTHS, month_label, parse_month, period_of_date
from models import DuesCategory, PaymentChannel, PaymentKind
from resolvers import dues as resolvers
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
from schema.shared import INPUT, Breadcrumb, CountByKey, MemberRef, member_by_id

MonthArg = Annotated[
    str | None, strawberry.argument(description="Month as YYYY-MM; the current month by default.")
]
YearArg = Annotated[
    int | None, strawberry.argument(description="Calendar year; the current year by default.")
]


# who sees money figures (docs/ARCHITECTURE.md, "Money figures"): a member's amounts give the
# income base to within a band's rounding, so they go with the base
AMOUNT = (
    "null unless you may see the member's income base (the member, the branch and the "
    "officials above it; not auditors): the amount gives the base to within a band"
)
TOTAL = (
    "null unless you may see every income base of the subtree (not auditors): totals "
    "change one member at a time, and the change is that member's amount"
)


def _rate(collected: int | None, payable: int | None) -> float | None:
    return round(collected / payable, 4) if collected is not None and payable else None


@strawberry.type(description="A member's dues category and monthly base for one year.")
class DuesBase:
    year: int = strawberry.field(description="The year it applies to.")
    category: DuesCategory = strawberry.field(description="Dues category.")
    monthly_base_fen: int | None = strawberry.field(
        description="After-tax monthly income or pension, in fen; null unless you may see "
        "income bases (they are sensitive, like PII)."
    )
    monthly_payable_fen: int | None = strawberry.field(
        description=f"Dues owed per month, in fen; {AMOUNT}."
    )
    rule_set: str = strawberry.field(description="The rules it was computed by.")
    exempt: bool = strawberry.field(description="Exempted for hardship that year.")
    exemption_reason: str | None = strawberry.field(description="Why, if exempt.")


@strawberry.type(description="One month of a member's dues ledger.")
class LedgerMonth:
    month: str = strawberry.field(description="YYYY-MM.")
    payable_fen: int | None = strawberry.field(description=f"Owed for the month, in fen; {AMOUNT}.")
    paid_fen: int | None = strawberry.field(description=f"Paid for the month, in fen; {AMOUNT}.")
    paid_at: dt.datetime | None = strawberry.field(description="When it was paid.")
    channel: PaymentChannel | None = strawberry.field(description="How it was paid.")
    payment_id: strawberry.ID | None = strawberry.field(
        description="The payment's ID.", deprecation_reason="Use `payment`, the object itself."
    )

    payment_pk: strawberry.Private[int | None]

    @strawberry.field(description="The payment that settled the month (null if unpaid).")
    async def payment(self, info: strawberry.Info) -> "DuesPayment | None":
        return (
            None if self.payment_pk is None else await payment_node(info.context, self.payment_pk)
        )


@strawberry.type(description="A member's dues for one year, month by month.")
class DuesLedger:
    year: int = strawberry.field(description="The year.")
    base: DuesBase | None = strawberry.field(description="Category and base, if set.")
    months: list[LedgerMonth] = strawberry.field(description="January to December.")
    payable_fen: int | None = strawberry.field(description=f"Owed in the year, in fen; {AMOUNT}.")
    paid_fen: int | None = strawberry.field(description=f"Paid for the year, in fen; {AMOUNT}.")


def ledger_of(ctx: Context, member_id: int, led: resolvers.Ledger) -> DuesLedger:
    shown = resolvers.base_visible(ctx, led.org_path, member_id)
    base = None
    if led.base is not None:
        b = led.base
        base = DuesBase(
            year=b.year,
            category=DuesCategory[b.category],
            monthly_base_fen=b.monthly_base_fen if shown else None,
            monthly_payable_fen=b.monthly_payable_fen if shown else None,
            rule_set=b.rule_set,
            exempt=b.exempt,
            exemption_reason=b.exemption_reason,
        )
    months = [
        LedgerMonth(
            month=month_label(m.period),
            payable_fen=m.payable_fen if shown else None,
            paid_fen=m.paid_fen if shown else None,
            paid_at=m.paid_at,
            channel=m.channel,
            payment_id=strawberry.ID(to_global_id("DuesPayment", m.payment_id))
            if m.payment_id
            else None,
            payment_pk=m.payment_id or None,
        )
        for m in led.months
    ]
    return DuesLedger(
        year=led.year,
        base=base,
        months=months,
        payable_fen=sum(m.payable_fen for m in led.months) if shown else None,
        paid_fen=sum(m.paid_fen for m in led.months) if shown else None,
    )


async def member_ledger(ctx: Context, member_id: int, year: int | None) -> DuesLedger | None:
    led = await resolvers.ledger(ctx, member_id, year or ctx.today.year)
    return ledger_of(ctx, member_id, led) if led else None


@strawberry.type(description="Dues collection of an organisation's subtree for one month.")
class DuesCollection:
    month: str = strawberry.field(description="YYYY-MM.")
    payable_fen: int | None = strawberry.field(
        description=f"Owed by the subtree's members, in fen; {TOTAL}."
    )
    collected_fen: int | None = strawberry.field(
        description=f"Paid for the month, in fen; {TOTAL}."
    )
    members_due: int = strawberry.field(description="Members owing dues for the month.")
    members_paid: int = strawberry.field(description="Members who paid for the month.")
    members_unpaid: int = strawberry.field(description="Members owing who have not paid.")
    collection_rate: float | None = strawberry.field(
        description="Collected ÷ payable (null when nothing is owed, or when the amounts are)."
    )
    arrears: list[CountByKey] = strawberry.field(
        description="Members owing by consecutive unpaid months up to this one: 0 … 5, 6+ "
        "(six or more is flagged to the branch as self-lapse, 自行脱党)."
    )


async def org_collection(ctx: Context, path: str, month: str | None) -> DuesCollection:
    period = parse_month(month) if month else period_of_date(ctx.today)
    c = await resolvers.collection(ctx, path, period)
    shown = resolvers.totals_visible(ctx, path)
    payable, collected = (c.payable_fen, c.collected_fen) if shown else (None, None)
    return DuesCollection(
        month=month_label(period),
        payable_fen=payable,
        collected_fen=collected,
        members_due=c.members_due,
        members_paid=c.members_paid,
        members_unpaid=max(0, c.members_due - c.members_paid),
        collection_rate=_rate(collected, payable),
        arrears=[CountByKey(key=k, count=c.arrears.get(k, 0)) for k in resolvers.ARREARS_BUCKETS],
    )


@strawberry.type(description="A member behind with dues.")
class DuesArrear:
    member_id: strawberry.Private[int]
    months: int = strawberry.field(description="Consecutive unpaid months.")
    last_paid_month: str | None = strawberry.field(description="Last month paid, YYYY-MM.")
    monthly_payable_fen: int | None = strawberry.field(
        description=f"Owed per month, in fen; {AMOUNT}."
    )
    self_lapse: bool = strawberry.field(
        description="Six or more consecutive months: for the branch to handle (自行脱党)."
    )

    @strawberry.field(description="The member.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)


async def org_arrears(
    ctx: Context,
    path: str,
    month: str | None,
    min_months: int,
    window: Window,
) -> Connection[DuesArrear]:
    period = parse_month(month) if month else period_of_date(ctx.today)
    page = await resolvers.arrears(ctx, resolvers.ArrearsKey(path, period, min_months, window))
    return connection(
        page,
        lambda r: DuesArrear(
            member_id=r.member_id,
            months=r.months,
            last_paid_month=month_label(r.last_paid) if r.last_paid is not None else None,
            monthly_payable_fen=r.monthly_payable_fen
            if resolvers.base_visible(ctx, r.org_path, r.member_id)
            else None,
            self_lapse=r.months >= FLAG_MONTHS,
        ),
    )


@strawberry.type(
    description="One branch's dues for a year, as published to its members (党费收缴情况公示)."
)
class BranchDues:
    organization: Breadcrumb = strawberry.field(description="The branch.")
    payable_fen: int | None = strawberry.field(description=f"Owed for the year, in fen; {TOTAL}.")
    collected_fen: int | None = strawberry.field(
        description=f"Collected for the year, in fen; {TOTAL}."
    )
    collection_rate: float | None = strawberry.field(
        description="Collected ÷ payable (null when nothing is owed, or when the amounts are)."
    )


async def org_publication(
    ctx: Context, path: str, year: int | None, window: Window
) -> Connection[BranchDues]:
    page = await resolvers.publication(
        ctx, resolvers.PublicationKey(path, year or ctx.today.year, window)
    )

    def branch(r: Row) -> BranchDues:
        shown = resolvers.totals_visible(ctx, r.path)
        payable, collected = (r.payable_fen, r.collected_fen) if shown else (None, None)
        return BranchDues(
            organization=Breadcrumb.from_row(r),
            payable_fen=payable,
            collected_fen=collected,
            collection_rate=_rate(collected, payable),
        )

    return connection(page, branch)


@strawberry.type(description="An entry of the dues ledger: a payment or a reversal of one.")
class DuesPayment(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int]
    kind: PaymentKind = strawberry.field(description="Payment or reversal.")
    amount_fen: int | None = strawberry.field(
        description=f"Amount in fen (negative for a reversal); {AMOUNT}."
    )
    channel: PaymentChannel = strawberry.field(description="How it was paid.")
    paid_at: dt.datetime = strawberry.field(description="When it was recorded.")
    note: str | None = strawberry.field(description="Reason of a reversal.")

    @classmethod
    def from_row(cls, ctx: Context, row: Row) -> "DuesPayment":
        return cls(
            id=strawberry.ID(to_global_id("DuesPayment", row.id)),
            pk=row.id,
            member_id=row.member_id,
            kind=row.kind,
            amount_fen=row.amount_fen
            if resolvers.base_visible(ctx, row.org_path, row.member_id)
            else None,
            channel=row.channel,
            paid_at=row.paid_at,
            note=row.note,
        )

    @strawberry.field(description="Months it settled (or, for a reversal, voided), YYYY-MM.")
    async def months(self, info: strawberry.Info) -> list[str]:
        return [month_label(p) for p in await resolvers.payment_months(info.context, self.pk)]

    @strawberry.field(description="The member the dues are for.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)


async def payment_node(ctx: Context, pk: int) -> DuesPayment | None:
    row = await resolvers.get_payment(ctx, pk)
    return DuesPayment.from_row(ctx, row) if row else None


@strawberry.input(description="Pay dues for whole months.")
class PayDuesInput:
    member_id: strawberry.ID = strawberry.field(description="Whose dues.")
    months: list[str] = strawberry.field(
        description="Months paid, YYYY-MM, all in one year; a member pays at most a quarter "
        "at once and not in advance, the branch may record more."
    )
    amount_fen: int = strawberry.field(
        description="Must equal the monthly payable times the number of months."
    )
    channel: PaymentChannel = strawberry.field(description="How it is paid.")
    payer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who pays, when paid by proxy (代缴); the member by default."
    )
    idempotency_key: str = strawberry.field(
        description="A client-chosen key (8–80 characters): a retry with the same key and "
        "content returns the first answer; other content is refused."
    )


@strawberry.input(description="Reverse a payment (the correction is a new ledger entry).")
class ReverseDuesPaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment to reverse.")
    reason: str = strawberry.field(description="Why.")
    idempotency_key: str = strawberry.field(description="As for payDues.")


@strawberry.input(description="Set a member's dues category and monthly base for a year.")
class SetDuesBaseInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    year: int = strawberry.field(description="The year.")
    category: DuesCategory | None = strawberry.field(
        default=None, description="Dues category; the member's recorded one by default."
    )
    monthly_base_fen: int | None = strawberry.field(
        default=None, description="After-tax monthly income or pension, in fen."
    )
    monthly_amount_fen: int | None = strawberry.field(
        default=None, description="For farmers: the amount the branch sets (20–100 fen)."
    )


@strawberry.input(
    description="Exempt a member from dues for a year (hardship), approved one "
    "level above the branch."
)
class ExemptDuesInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    year: int = strawberry.field(description="The year.")
    reason: str = strawberry.field(description="The hardship.")


@strawberry.type(description="Result of a dues payment or correction.")
class DuesPaymentPayload:
    payment: DuesPayment | None = strawberry.field(description="The ledger entry.")


@strawberry.type(description="Result of a dues base change.")
class DuesLedgerPayload:
    ledger: DuesLedger | None = strawberry.field(description="The member's ledger for the year.")


def _member_pk(gid: str) -> int | None:
    return pk_of(gid, "Member")


@strawberry.type
class DuesMutation:
    @strawberry.mutation(description="Pay dues for one or more months (idempotent by key).")
    async def pay_dues(
        self, info: strawberry.Info, input: Annotated[PayDuesInput, INPUT]
    ) -> DuesPaymentPayload:
        ctx = info.context
        req = resolvers.PayRequest(
            member_id=_member_pk(input.member_id),
            months=tuple(input.months),
            amount_fen=input.amount_fen,
            channel=input.channel,
            payer_id=_member_pk(input.payer_id) if input.payer_id else None,
            key=input.idempotency_key,
        )
        pk = await perform(ctx, info.field_name, resolvers.pay, req)
        return DuesPaymentPayload(payment=await payment_node(ctx, pk))

    @strawberry.mutation(description="Reverse a payment with a correcting entry.")
    async def reverse_dues_payment(
        self, info: strawberry.Info, input: Annotated[ReverseDuesPaymentInput, INPUT]
    ) -> DuesPaymentPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.reverse,
            pk_of(input.payment_id, "DuesPayment"),
            input.reason,
            input.idempotency_key,
        )
        return DuesPaymentPayload(payment=await payment_node(ctx, pk))

    @strawberry.mutation(
        description="Set a member's yearly dues base (the branch, once a year); never your own "
        "(FORBIDDEN: another official must)."
    )
    async def set_dues_base(
        self, info: strawberry.Info, input: Annotated[SetDuesBaseInput, INPUT]
    ) -> DuesLedgerPayload:
        ctx = info.context
        member_id = _member_pk(input.member_id)
        await perform(
            ctx,
            info.field_name,
            resolvers.set_base,
            member_id,
            input.year,
            input.category.name if input.category else None,
            input.monthly_base_fen,
            input.monthly_amount_fen,
        )
        return DuesLedgerPayload(ledger=await member_ledger(ctx, member_id, input.year))  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Exempt a member from a year's dues (one level up); never yourself "
        "(FORBIDDEN: another official must)."
    )
    async def exempt_dues(
        self, info: strawberry.Info, input: Annotated[ExemptDuesInput, INPUT]
    ) -> DuesLedgerPayload:
        ctx = info.context
        member_id = _member_pk(input.member_id)
        await perform(
            ctx, info.field_name, resolvers.approve_exemption, member_id, input.year, input.reason
        )
        return DuesLedgerPayload(ledger=await member_ledger(ctx, member_id, input.year))  # type: ignore[arg-type]


@strawberry.type
class DuesOrganization:
    """Dues fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(description="Dues collection of this subtree for a month (党费收缴).")
    async def dues(
        self,
        info: strawberry.Info,
        month: MonthArg = None,
    ) -> DuesCollection:
        return await org_collection(info.context, self.path, month)

    @strawberry.field(
        description="Members of this subtree behind with dues at a month; with "
        "the default of 6 months, those to be flagged as self-lapse."
    )
    async def dues_arrears(
        self,
        info: strawberry.Info,
        month: MonthArg = None,
        min_months: Annotated[
            int, strawberry.argument(description="At least this many consecutive unpaid months.")
        ] = 6,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[DuesArrear]:
        return await org_arrears(
            info.context, self.path, month, min_months, window(info, first, after, last, before)
        )

    @strawberry.field(
        description="The yearly publication of each branch's dues figures in "
        "this subtree (党费公示)."
    )
    async def dues_publication(
        self,
        info: strawberry.Info,
        year: YearArg = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[BranchDues]:
        return await org_publication(
            info.context, self.path, year, window(info, first, after, last, before)
        )


@strawberry.type
class DuesMember:
    """Dues fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="The member's dues ledger for a year (null outside your dues scope)."
    )
    async def dues_ledger(
        self,
        info: strawberry.Info,
        year: YearArg = None,
    ) -> DuesLedger | None:
        return await member_ledger(info.context, self.pk, year)
