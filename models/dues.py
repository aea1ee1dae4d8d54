"""Party dues (党费): the rule set as data, yearly bases, an append-only payment ledger."""

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, PathString, str_enum


class PaymentChannel(enum.Enum):
    WECHAT = "微信"
    ALIPAY = "支付宝"
    BANK = "银行转账"
    CASH = "现金"


class PaymentKind(enum.Enum):
    PAYMENT = "缴纳"
    REVERSAL = "冲正"


class DuesRule(Base):
    """One band of a rule set (中组发〔2008〕3号 …): for a category, a base range (upper bound
    inclusive, in fen) and either a rate in basis points or a fixed amount."""

    __tablename__ = "dues_rule"
    __table_args__ = (Index("ix_dues_rule_rule_set_category", "rule_set", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[dt.date]
    category: Mapped[str] = mapped_column(String(24))
    upper_fen: Mapped[int | None] = mapped_column(BigInteger)  # inclusive; None = no limit
    rate_bp: Mapped[int | None]  # basis points of the base: 50 = 0.5%
    fixed_fen: Mapped[int | None]
    min_fen: Mapped[int | None]  # for amounts a branch sets (farmers: 20–100 fen)
    max_fen: Mapped[int | None]


class DuesBase(Base):
    """A member's category and monthly base for one year, with the payable it gives."""

    __tablename__ = "dues_base"
    __table_args__ = (
        UniqueConstraint("member_id", "year"),
        Index("ix_dues_base_year_org_path", "year", "org_path"),
        Index("ix_dues_base_org_path_id", "org_path", "id"),  # a subtree of every year: a move
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(24))
    monthly_base_fen: Mapped[int | None] = mapped_column(BigInteger)
    monthly_payable_fen: Mapped[int]
    owed_from: Mapped[int]  # first period owed this year: January, or the admission month
    rule_set: Mapped[str] = mapped_column(String(40))
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    exemption_reason: Mapped[str | None] = mapped_column(String(200))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    set_on: Mapped[dt.date]


class DuesPayment(Base):
    """An entry of the append-only ledger: a payment, or a reversal of one."""

    __tablename__ = "dues_payment"
    __table_args__ = (
        Index("ix_dues_payment_member_id_id", "member_id", "id"),
        Index("ix_dues_payment_org_path_paid_at", "org_path", "paid_at"),
        # a key names one request of the account recording it: another's key is no concern
        UniqueConstraint("recorded_by", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    payer_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[PaymentChannel] = mapped_column(str_enum(PaymentChannel))
    paid_at: Mapped[dt.datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payment.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    request_hash: Mapped[str | None] = mapped_column(String(64))


class DuesMonth(Base):
    """What a payment settles, month by month (`period` = year * 12 + month - 1); one live
    settlement per member and month, enforced by the database. `on_time`: its payment was
    made before the month ended (business time), fixed when the settlement is written, so
    that the on-time rate need not look up each month's payment."""

    __tablename__ = "dues_month"
    __table_args__ = (
        Index(
            "uq_dues_month_live",
            "member_id",
            "period",
            unique=True,
            sqlite_where=text("voided_by IS NULL"),
            postgresql_where=text("voided_by IS NULL"),
        ),
        Index(  # a reversal's months (`DuesPayment.months`): the few voided ones only
            "ix_dues_month_voided_by",
            "voided_by",
            sqlite_where=text("voided_by IS NOT NULL"),
            postgresql_where=text("voided_by IS NOT NULL"),
        ),
        Index("ix_dues_month_period_org_path", "period", "org_path"),
        Index("ix_dues_month_org_path_period", "org_path", "period"),
        Index(  # the cockpit's on-time count: an index-only range per member
            "ix_dues_month_on_time",
            "member_id",
            "period",
            sqlite_where=text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=text("voided_by IS NULL AND on_time"),
        ),
        Index(  # and a month's on-time settlements, hash-joined to its dues rows (a trend)
            "ix_dues_month_on_time_period",
            "period",
            "member_id",
            sqlite_where=text("voided_by IS NULL AND on_time = 1"),
            postgresql_where=text("voided_by IS NULL AND on_time"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("dues_payment.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_path: Mapped[str] = mapped_column(PathString)
    period: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("dues_payment.id"))
    on_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
