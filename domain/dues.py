"""Party dues (中组发〔2008〕3号): months as numbers, the bands of a rule set, and the limits on
what a member pays alone. Money is integer fen; amounts round half up to the fen."""

import datetime as dt
import json
from dataclasses import dataclass

from domain.errors import RuleViolation
from models import MemberStatus

PAYING = (MemberStatus.PROBATIONARY, MemberStatus.FULL)
FLAG_MONTHS = 6  # six consecutive unpaid months: flagged to the branch as self-lapse (自行脱党)
SELF_MAX_MONTHS = 3  # a member pays at most a quarter at once; more (advance) via the branch


def period_of(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_label(period: int) -> str:
    return f"{period // 12:04d}-{period % 12 + 1:02d}"


def parse_month(text: str) -> int:
    try:
        year, month = (int(p) for p in text.split("-"))
        if len(text) != 7 or not 1 <= month <= 12 or year < 1921:
            raise ValueError
    except ValueError:
        raise RuleViolation(
            f"months are written YYYY-MM, not {json.dumps(text[:20], ensure_ascii=False)}"
        ) from None
    return period_of(year, month)


def period_of_date(day: dt.date) -> int:
    return period_of(day.year, day.month)


# ---- the rule set --------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    upper_fen: int | None
    rate_bp: int | None
    fixed_fen: int | None
    min_fen: int | None
    max_fen: int | None


@dataclass(frozen=True)
class RuleSet:
    """Bands per category; payable amounts are rounded half up to the fen."""

    name: str
    bands: dict[str, tuple[Band, ...]]

    def payable(self, category: str, base_fen: int | None, set_fen: int | None = None) -> int:
        bands = self.bands.get(category)
        if not bands:
            raise RuleViolation(f"no dues rule for category {category}")
        band = bands[0]
        if band.min_fen is not None:  # an amount the branch sets within a range (farmers)
            if set_fen is None or not band.min_fen <= set_fen <= (band.max_fen or set_fen):
                raise RuleViolation(
                    f"the monthly amount for {category} must be between "
                    f"{band.min_fen} and {band.max_fen} fen"
                )
            return set_fen
        if band.fixed_fen is not None:
            return band.fixed_fen
        if base_fen is None or base_fen < 0:
            raise RuleViolation(
                f"a monthly base (after-tax income in fen) is required for {category}"
            )
        for band in bands:
            if band.upper_fen is None or base_fen <= band.upper_fen:
                return (base_fen * (band.rate_bp or 0) + 5_000) // 10_000
        raise RuleViolation(f"no band covers {base_fen} fen")  # pragma: no cover - open top band
