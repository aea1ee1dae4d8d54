"""A year of dues: bases for two years and payments up to the as-of date, with an
arrears tail (some members months behind, a few six months or more)."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.people import MEMBER_COLUMNS
from datagen.writer import stored
from domain.dues import RuleSet, period_of, period_of_date


def _first_after(period: int) -> dt.date:
    """The first day of the month after `period`: a settlement paid before it is on time."""
    following = period + 1
    return dt.date(following // 12, following % 12 + 1, 1)


BASE_COLUMNS = (
    "id",
    "member_id",
    "org_path",
    "year",
    "category",
    "monthly_base_fen",
    "monthly_payable_fen",
    "owed_from",
    "rule_set",
    "exempt",
    "set_on",
)
PAYMENT_COLUMNS = (
    "id",
    "kind",
    "member_id",
    "org_path",
    "payer_member_id",
    "amount_fen",
    "channel",
    "paid_at",
)
MONTH_COLUMNS = ("id", "payment_id", "member_id", "org_path", "period", "amount_fen", "on_time")
CHANNELS = ("WECHAT", "WECHAT", "WECHAT", "ALIPAY", "BANK", "CASH")
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}


class DuesPlanner:
    """Collects paying members as they are drawn, then writes their dues."""

    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.years = (as_of.year - 1, as_of.year)
        self.last = period_of_date(as_of)  # the current month: paid by those whose day has come
        self.members: list[tuple] = []
        self.stops: dict[int, int] = {}  # member id → last period paid (the story's people)

    def observe(self, row: tuple) -> None:
        if row[_I["status"]] in ("PROBATIONARY", "FULL") and row[_I["joined_on"]]:
            self.members.append(
                (row[_I["id"]], row[_I["org_path"]], row[_I["dues_category"]], row[_I["joined_on"]])
            )

    def _base(self, category: str) -> tuple[int | None, int | None]:
        """(monthly base in fen, branch-set amount in fen)."""
        rng = self.rng
        if category == "EMPLOYED":
            return int(rng.lognormvariate(8.6, 0.45)) * 100, None
        if category == "RETIRED":
            return int(rng.lognormvariate(8.1, 0.4)) * 100, None
        if category == "FARMER":
            return None, rng.choice((20, 50, 50, 100))
        return None, None

    def bases(self, rules: RuleSet) -> Iterator[tuple]:
        """Two years of bases per paying member; also plans how each one pays."""
        self.payable: dict[tuple[int, int], int] = {}
        next_id = 1
        for member_id, path, category, joined in self.members:
            base_fen, set_fen = self._base(category)
            for year in self.years:
                owed_from = max(period_of(year, 1), period_of_date(joined))
                if owed_from > period_of(year, 12):
                    continue
                payable = rules.payable(category, base_fen, set_fen)
                self.payable[(member_id, year)] = payable
                yield (
                    next_id,
                    member_id,
                    path,
                    year,
                    category,
                    base_fen,
                    payable,
                    owed_from,
                    rules.name,
                    False,
                    min(dt.date(year, 1, 5), self.as_of),
                )
                next_id += 1

    def payments(self) -> Iterator[tuple[tuple, list[tuple]]]:
        """(payment row, its month rows) for every member, in member order."""
        rng = self.rng
        payment_id = month_id = 1
        for member_id, path, _, joined in self.members:
            last = self.last
            start = max(last - 11, period_of_date(joined))
            end = self.stops.get(member_id, last)
            if member_id not in self.stops:
                roll = rng.random()
                if roll < 0.02:
                    end = last - rng.randint(6, 11)  # six months or more behind: flagged
                elif roll < 0.06:
                    end = last - rng.randint(1, 5)
            step = 1 if rng.random() < 0.65 else 3
            period = start
            while period <= end:
                year = period // 12
                span = [p for p in range(period, min(period + step, end + 1)) if p // 12 == year]
                monthly = self.payable.get((member_id, year))
                if monthly is None:
                    break
                day = dt.date(year, span[-1] % 12 + 1, rng.randint(1, 25))
                paid_at = stored(day, dt.time(rng.randint(8, 21), rng.randrange(60)))
                if day >= self.as_of:
                    break  # the data set ends the day before `as_of`: not paid yet
                channel = rng.choice(CHANNELS)
                months = []
                for p in span:
                    on_time = paid_at < stored(_first_after(p), dt.time())
                    months.append((month_id, payment_id, member_id, path, p, monthly, on_time))
                    month_id += 1
                yield (
                    (
                        payment_id,
                        "PAYMENT",
                        member_id,
                        path,
                        member_id,
                        monthly * len(span),
                        channel,
                        paid_at,
                    ),
                    months,
                )
                payment_id += 1
                period = span[-1] + 1
