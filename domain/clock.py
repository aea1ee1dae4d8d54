"""The business clock: every "today" and "now" of the product, in one time zone.

Party work is organised in China time (`DANGJIAN_TIMEZONE`, default Asia/Shanghai) whatever
the host's zone: a dues payment at 07:30 on 1 January in Chongqing belongs to January, not to
the 31 December it still is in UTC. Nothing else reads the wall clock (ruff's DTZ rules and
`tests/test_architecture.py` hold that); tests pin the clock with `pinned`.
"""

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_SETTING = "DANGJIAN_TIMEZONE"
DEFAULT_ZONE = "Asia/Shanghai"


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a ValueError that names the setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{ZONE_SETTING}: unknown time zone {name!r}") from None


class Clock:
    """Business time in `zone`; a pinned clock always answers `at` (tests, demos)."""

    def __init__(self, zone: ZoneInfo, at: dt.datetime | None = None) -> None:
        if at is not None and at.tzinfo is None:
            raise ValueError("a pinned clock needs an aware datetime")
        self.zone = zone
        self._at = at.astimezone(zone) if at is not None else None

    def now(self) -> dt.datetime:
        """This moment in business time, to the second (what is stored and audited)."""
        if self._at is not None:
            return self._at
        return dt.datetime.now(self.zone).replace(microsecond=0)

    def today(self) -> dt.date:
        return self.now().date()

    def local(self, value: dt.datetime) -> dt.datetime:
        """`value` in business time; a naive value is read as business time already."""
        if value.tzinfo is None:
            return value.replace(tzinfo=self.zone)
        return value.astimezone(self.zone)

    def start_of(self, day: dt.date) -> dt.datetime:
        """Midnight at the start of `day`, business time: the bound of every day range."""
        return dt.datetime.combine(day, dt.time(), tzinfo=self.zone)


def _zone_at_start() -> ZoneInfo:
    """The zone named by the environment; a bad name is left to the settings to refuse (with
    one line, not a traceback at import), the default serving until then."""
    try:
        return zone_named(os.environ.get(ZONE_SETTING) or DEFAULT_ZONE)
    except ValueError:
        return ZoneInfo(DEFAULT_ZONE)


_current = Clock(_zone_at_start())


def clock() -> Clock:
    """The process's business clock."""
    return _current


def use_zone(name: str) -> None:
    """Run the business clock in zone `name` (the setting), keeping a pinned moment."""
    global _current
    _current = Clock(zone_named(name), _current._at)


@contextmanager
def pinned(at: dt.datetime, zone: ZoneInfo | None = None) -> Iterator[Clock]:
    """Stop the business clock at `at` (an aware datetime) for the `with` block, in `zone`
    (by default the present one)."""
    global _current
    before = _current
    _current = Clock(zone or before.zone, at)
    try:
        yield _current
    finally:
        _current = before
