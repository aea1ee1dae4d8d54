"""Date and DateTime on the wire: RFC 3339, with the offset of the business time zone.

Front-end code generators map a scalar by its `@specifiedBy` URL, and date arithmetic in a
browser is only safe with an offset, so every DateTime goes out in business time with its
offset (`2026-11-30T10:00:00+08:00`). Input with an offset is converted; input without one is
read in business time (what a form in Chongqing means).
"""

import datetime as dt
import re

from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

from domain.clock import clock

FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?"
)
DATE_SPEC = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
DATE_TIME_SPEC = "https://scalars.graphql.org/andimarek/date-time"


def parse_date(text: str) -> dt.date:
    if not FULL_DATE.fullmatch(text):
        raise ValueError("expected YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def parse_date_time(text: str) -> dt.datetime:
    if not DATE_TIME.fullmatch(text):
        raise ValueError("expected YYYY-MM-DDThh:mm[:ss[.ffffff]] with an optional offset")
    return clock().local(dt.datetime.fromisoformat(text.upper()))


def serialize_date_time(value: dt.datetime) -> str:
    return clock().local(value).isoformat()


def serialize_date(value: dt.date) -> str:
    return value.isoformat()


SCALARS: dict[object, ScalarDefinition] = {
    dt.date: ScalarDefinition(
        name="Date",
        description="A calendar date, RFC 3339 full-date (`2026-11-30`), in business time.",
        specified_by_url=DATE_SPEC,
        serialize=serialize_date,
        parse_value=wrap_parser(parse_date, "Date"),
        parse_literal=None,
        origin=dt.date,
    ),
    dt.datetime: ScalarDefinition(
        name="DateTime",
        description="A moment, RFC 3339 date-time with its offset "
        "(`2026-11-30T10:00:00+08:00`), sent in business time (DANGJIAN_TIMEZONE, China time "
        "by default); input without an offset is read in business time.",
        specified_by_url=DATE_TIME_SPEC,
        serialize=serialize_date_time,
        parse_value=wrap_parser(parse_date_time, "DateTime"),
        parse_literal=None,
        origin=dt.datetime,
    ),
}
