"""Rate-limit counters shared by every API process (when no Redis is configured)."""

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RateWindow(Base):
    """Requests of one caller (`acct:<id>` or `addr:<ip>`) in one minute, counted across
    processes; rows of past minutes are deleted as new minutes begin."""

    __tablename__ = "rate_window"
    __table_args__ = (Index("ix_rate_window_minute", "minute"),)

    caller: Mapped[str] = mapped_column(String(80), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
