"""One business clock in China time: nothing else reads the wall clock, moments cross the wire
with their offset, and every date rule holds on its boundaries (month and year ends, a leap
day, notices across weekends and holidays) whatever the host's zone."""

import base64
import datetime as dt
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import born_before, parse_period, working_days
from domain.clock import clock, pinned
from domain.dues import period_of_date
from models import AuditEntry
from resolvers.audit import purge
from resolvers.context import Context
from resolvers.development import holidays
from schema import build_schema
from schema.scalars import parse_date_time, serialize_date_time
from tests.conftest import NOW, Api, fresh_engine

ROOT = Path(__file__).resolve().parent.parent
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")
CHINA = clock().zone


def at(text_: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_)


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def test_the_clock_is_pinned_for_the_suite() -> None:
    assert clock().now() == NOW and clock().now().utcoffset() == dt.timedelta(hours=8)
    with pinned(at("2027-01-01T07:30:00+08:00")):
        assert clock().today() == dt.date(2027, 1, 1)
    assert clock().now() == NOW


def test_datetime_scalar_offsets() -> None:
    assert parse_date_time("2026-11-30T10:00:00") == at("2026-11-30T10:00:00+08:00")
    assert parse_date_time("2026-11-30T02:00:00Z") == at("2026-11-30T10:00:00+08:00")
    assert parse_date_time("2026-12-31T23:30:00-01:00").isoformat() == "2027-01-01T08:30:00+08:00"
    utc = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert serialize_date_time(utc) == "2027-01-01T07:30:00+08:00"
    for bad in ("2026-11-30", "2026-11-30T25:00:00", "30/11/2026 10:00", "2026-11-30T10:00+8"):
        with pytest.raises(ValueError):
            parse_date_time(bad)


def test_scalars_name_their_specifications() -> None:
    sdl = (ROOT / "schema.graphql").read_text()
    assert (
        'scalar DateTime @specifiedBy(url: "https://scalars.graphql.org/andimarek/date-time")'
        in sdl
    )
    assert re.search(r'scalar Date @specifiedBy\(url: "https://[^"]*rfc3339[^"]*"\)', sdl)


def test_periods_on_their_boundaries() -> None:
    with pinned(at("2026-12-31T23:59:59+08:00")):
        year = parse_period(None, clock().today())
        assert (year.start, year.end) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
        assert year.end_at == at("2027-01-01T00:00:00+08:00")
    with pinned(at("2027-01-01T00:00:00+08:00")):
        assert parse_period(None, clock().today()).start == dt.date(2027, 1, 1)
    assert parse_period("2026-12", clock().today()).days == 31
    assert parse_period("2027-02", clock().today()).days == 28
    assert parse_period("2028-02", clock().today()).days == 29
    assert parse_period("2028-Q1", clock().today()).days == 91
    assert period_of_date(dt.date(2028, 2, 29)) == period_of_date(dt.date(2028, 2, 1))
    # ages by the year of birth: born in 1996, 30 all through 2026 (birthdays stay untold)
    assert born_before(2026, 30) == dt.date(1997, 1, 1)


@contextmanager
def host_zone(name: str) -> Iterator[None]:
    """The host's own zone set to `name` (TZ): the business clock must not care."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ")
        else:
            os.environ["TZ"] = before
        time.tzset()


SET_BASE = """mutation($m: ID!) { setDuesBase(input: {memberId: $m, year: 2027,
  category: EMPLOYED, monthlyBaseFen: 600000}) { ledger { year } } }"""
PAY = """mutation($m: ID!, $months: [String!]!, $fen: Int!, $key: String!) {
  payDues(input: {memberId: $m, months: $months, amountFen: $fen, channel: WECHAT,
                  idempotencyKey: $key}) { payment { id paidAt months } } }"""
LEDGER = """query($id: ID!) { node(id: $id) { ... on Member { duesLedger(year: 2027) {
  months { month paidFen paidAt } } } } }"""
AUDIT = """{ auditLog(operation: "payDues", first: 1) { edges { node { at operation } } } }"""


async def scalar(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return await conn.scalar(text(sql), params)


async def test_new_year_payment_is_booked_in_january(writable_api: Api) -> None:
    """07:30 on 1 January in Chongqing is 23:30 on 31 December in UTC, the host's zone: the
    month is January."""
    with host_zone("UTC"):
        await pay_at_new_year(writable_api)


async def pay_at_new_year(api: Api) -> None:
    member = await scalar(api, "SELECT id FROM member WHERE name = '欧丽'")
    member_gid = gid("Member", member)
    with pinned(at("2026-12-31T23:59:59+08:00")):
        await api.data(SET_BASE, {"m": member_gid}, user="jiangjin_admin")
        fen = await scalar(
            api,
            "SELECT monthly_payable_fen FROM dues_base WHERE member_id = :m AND year = 2027",
            m=member,
        )
        early = await api.post(
            PAY,
            {"m": member_gid, "months": ["2027-01"], "fen": fen, "key": str(uuid.uuid4())},
            user="ouli",
        )
        assert "needs the branch" in early["errors"][0]["message"]  # still December
    with pinned(at("2027-01-01T07:30:00+08:00")):
        paid = await api.data(
            PAY,
            {"m": member_gid, "months": ["2027-01"], "fen": fen, "key": str(uuid.uuid4())},
            user="ouli",
        )
        payment = paid["payDues"]["payment"]
        assert payment["paidAt"] == "2027-01-01T07:30:00+08:00"
        assert payment["months"] == ["2027-01"]
        ledger = await api.data(LEDGER, {"id": member_gid}, user="ouli")
        january = ledger["node"]["duesLedger"]["months"][0]
        assert january == {"month": "2027-01", "paidFen": fen, "paidAt": payment["paidAt"]}
        audit = await api.data(AUDIT, user="jiangjin_admin")
        assert audit["auditLog"]["edges"][0]["node"]["at"] == payment["paidAt"]
    stored = await scalar(
        api,
        "SELECT paid_at FROM dues_payment WHERE member_id = :m ORDER BY id DESC LIMIT 1",
        m=member,
    )
    assert str(stored).startswith("2026-12-31 23:30:00")  # UTC on both databases


LOG = """mutation($ci: ID!, $s: DateTime!, $e: DateTime!) {
  logService(input: {checkInId: $ci, method: KNOW_PERSON, startedAt: $s, endedAt: $e,
                     description: "跨年夜巡逻"}) { serviceRecord { id startedAt endedAt } } }"""
REVIEW = """mutation($id: ID!) { reviewService(input: {serviceRecordId: $id, approve: true}) {
  serviceRecord { verifiedAt } } }"""
SUMMARY = """query($id: ID!, $p: String!) { organization(id: $id) {
  checkInSummary(period: $p) { verifiedHours hoursTarget } } }"""


async def test_service_across_new_year_counts_in_its_own_year(writable_api: Api) -> None:
    """A record starting at 23:00 on 31 December (15:00 UTC) belongs to December; one at
    midnight on 1 January to January, on both databases."""
    api = writable_api
    huxi = gid(
        "Organization",
        await scalar(api, "SELECT id FROM organization WHERE name = :n", n="中共浒溪社区党委"),
    )
    ouli = await api.data("{ viewer { member { checkIns { id } } } }", user="ouli")
    check_in = ouli["viewer"]["member"]["checkIns"][0]["id"]
    periods = ("2026", "2026-12", "2027", "2027-01", "2026-12-31..2027-01-01")

    async def hours() -> dict[str, float]:
        return {
            p: (await api.data(SUMMARY, {"id": huxi, "p": p}, user="huxi_secretary"))[
                "organization"
            ]["checkInSummary"]["verifiedHours"]
            for p in periods
        }

    with pinned(at("2027-01-02T09:00:00+08:00")):
        before = await hours()
        logged = []
        for start, end in (
            ("2026-12-31T15:00:00Z", "2026-12-31T16:00:00Z"),  # 23:00–24:00 China time
            ("2027-01-01T00:00:00", "2027-01-01T00:30:00"),  # no offset: business time
        ):
            record = (await api.data(LOG, {"ci": check_in, "s": start, "e": end}, user="ouli"))[
                "logService"
            ]["serviceRecord"]
            logged.append(record)
            reviewed = await api.data(REVIEW, {"id": record["id"]}, user="huxi_secretary")
            assert reviewed["reviewService"]["serviceRecord"]["verifiedAt"] == (
                "2027-01-02T09:00:00+08:00"
            )
        assert [(r["startedAt"], r["endedAt"]) for r in logged] == [
            ("2026-12-31T23:00:00+08:00", "2027-01-01T00:00:00+08:00"),
            ("2027-01-01T00:00:00+08:00", "2027-01-01T00:30:00+08:00"),
        ]
        after = await hours()
        delta = {p: round(after[p] - before[p], 2) for p in periods}
        assert delta == {
            "2026": 1.0,
            "2026-12": 1.0,
            "2027": 0.5,
            "2027-01": 0.5,
            "2026-12-31..2027-01-01": 1.5,
        }
        target = await api.data(SUMMARY, {"id": huxi, "p": "2026-12"}, user="huxi_secretary")
        assert target["organization"]["checkInSummary"]["hoursTarget"] == round(50 * 31 / 365, 2)
        future = await api.post(
            LOG,
            {"ci": check_in, "s": "2027-01-03T00:00:00", "e": "2027-01-03T01:00:00"},
            user="ouli",
        )
        assert future["errors"][0]["message"] == "service cannot start in the future"
        today = await api.post(
            LOG,
            {"ci": check_in, "s": "2027-01-02T23:00:00", "e": "2027-01-02T23:30:00"},
            user="ouli",
        )
        assert "errors" not in today


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("host", ["UTC", "America/Los_Angeles"])
async def test_audit_retention_cut_off_in_business_time(
    backend: str, host: str, tmp_path: Path
) -> None:
    """Retention counts business days, whatever the host's zone: purging "before 1 January"
    keeps 00:30 on 1 January (16:30 UTC on 31 December) and drops 23:30 on 31 December."""
    with host_zone(host):
        await purge_around_new_year(backend, tmp_path)


async def purge_around_new_year(backend: str, tmp_path: Path) -> None:
    engine = await fresh_engine(backend, str(tmp_path), "retention")
    moments = [
        "2026-12-31T23:30:00+08:00",
        "2027-01-01T00:30:00+08:00",
        "2027-01-01T23:59:59+08:00",
    ]
    try:
        async with AsyncSession(engine) as session:
            for i, moment in enumerate(moments):
                session.add(
                    AuditEntry(
                        at=at(moment),
                        roles="",
                        scope_path="/1/",
                        operation="payDues",
                        success=True,
                        request_id=f"r{i}",
                    )
                )
            await session.commit()
            assert await purge(session, 1, dt.date(2027, 1, 1)) == 0
            assert await purge(session, 0, dt.date(2027, 1, 1)) == 1
            kept = (await session.execute(text("SELECT COUNT(*) FROM audit_log"))).scalar()
            assert kept == 2
            assert await purge(session, 0, dt.date(2027, 1, 2)) == 2
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2026-11-20", "2026-11-26", 5),  # Friday to Thursday across a weekend
        ("2026-11-21", "2026-11-26", 4),  # from a Saturday
        ("2026-09-30", "2026-10-09", 3),  # across 国庆节 (1–7 October)
        ("2026-09-29", "2026-10-10", 5),  # ... with Saturday 10 October worked in exchange
        ("2026-02-13", "2026-02-24", 3),  # 春节 (15–23 February): 13th, Saturday 14th worked, 24th
        ("2025-12-31", "2026-01-06", 3),  # 元旦 across the new year: 31st, 5th, 6th
    ],
)
async def test_notice_working_days(db, start: str, end: str, expected: int) -> None:
    async with AsyncSession(db) as session:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        table = await holidays(Context(session=session, principal=None), first, last)
        got = working_days(first, last, table)
    assert got == expected


def datetime_fields() -> list[str]:
    """Every `Type.field` of the schema whose type is DateTime (through lists and non-null)."""
    found = []
    for type_ in build_schema()._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            inner = field.type
            while isinstance(inner, GraphQLNonNull | GraphQLList):
                inner = inner.of_type
            if isinstance(inner, GraphQLScalarType) and inner.name == "DateTime":
                found.append(f"{type_.name}.{name}")
    return sorted(found)


# one query reaching every DateTime field of the schema, as the city administrator
EVERY_DATETIME = """query($org: ID!, $member: ID!, $payment: ID!, $session: ID!) {
  auditLog(first: 5) { edges { node { at } } }
  organization(id: $org) {
    checkIns(first: 5, period: "2026") { edges { node { lastServiceAt
      services(first: 5) { edges { node { startedAt endedAt verifiedAt } } } } } }
    activities(first: 100, period: "2026") { edges { node { startsAt endsAt signUpOpensAt
      signUpClosesAt publishedAt heldAt recordedAt cancelledAt signInCode { validUntil }
      attendance(first: 3) { edges { node { signedUpAt signedInAt } } } } } } }
  node(id: $member) { ... on Member {
    duesLedger(year: 2026) { months { paidAt } }
    studyResources(first: 3) { edges { node { publishedAt } } } } }
  payment: node(id: $payment) { ... on DuesPayment { paidAt } }
  session: node(id: $session) { ... on StudySession { startedAt endedAt } }
}"""
REACHED = {
    "AuditEntry.at",
    "CheckIn.lastServiceAt",
    "ServiceRecord.startedAt",
    "ServiceRecord.endedAt",
    "ServiceRecord.verifiedAt",
    "LedgerMonth.paidAt",
    "DuesPayment.paidAt",
    "Activity.startsAt",
    "Activity.endsAt",
    "Activity.signUpOpensAt",
    "Activity.signUpClosesAt",
    "Activity.publishedAt",
    "Activity.heldAt",
    "Activity.recordedAt",
    "Activity.cancelledAt",
    "SignInCode.validUntil",
    "ActivityAttendance.signedUpAt",
    "ActivityAttendance.signedInAt",
    "StudyResource.publishedAt",
    "StudySession.startedAt",
    "StudySession.endedAt",
}
KEYS = {name.split(".")[1] for name in REACHED}


def moments_in(value, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from moments_in(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from moments_in(v, key)
    elif key in KEYS and value is not None:
        yield key, value


async def test_every_datetime_field_carries_an_offset(writable_api: Api) -> None:
    api = writable_api
    assert datetime_fields() == sorted(REACHED), "a new DateTime field: add it to the query"
    huxi = await scalar(api, "SELECT id FROM organization WHERE name = '中共浒溪社区党委'")
    ouli = await scalar(api, "SELECT id FROM member WHERE name = '欧丽'")
    payment = await scalar(api, "SELECT MIN(id) FROM dues_payment WHERE member_id = :m", m=ouli)
    refused = {"m": gid("Member", ouli), "months": ["2026-07"], "fen": 1, "key": str(uuid.uuid4())}
    # an activity in its sign-in window (the code's validUntil), with a sign-up window, and one
    # cancelled (cancelledAt)
    start = NOW + dt.timedelta(minutes=10)
    window = {"signUpOpensAt": (NOW - dt.timedelta(days=3)).isoformat(),
              "signUpClosesAt": (NOW + dt.timedelta(minutes=5)).isoformat()}  # fmt: skip
    for title in ("正在签到的活动", "取消的活动"):
        published = await api.data(
            """mutation($in: PublishActivityInput!) { publishActivity(input: $in) {
            activity { id version } } }""",
            {"in": {"organizationId": gid("Organization", huxi), "type": "OTHER", "title": title,
                    "place": "浒溪社区", "startsAt": start.isoformat(),
                    "endsAt": (start + dt.timedelta(hours=1)).isoformat(), **window}},
            user="huxi_secretary",
        )  # fmt: skip
    await api.data(
        """mutation($a: ID!) { cancelActivity(input: {activityId: $a, expectedVersion: 1,
        reason: "改期"}) { activity { state } } }""",
        {"a": published["publishActivity"]["activity"]["id"]},
        user="huxi_secretary",
    )
    assert (await api.post(PAY, refused, user="ouli"))["errors"]  # audited all the same
    data = await api.data(
        EVERY_DATETIME,
        {
            "org": gid("Organization", huxi),
            "member": gid("Member", ouli),
            "payment": gid("DuesPayment", payment),
            "session": gid("StudySession", await scalar(api, "SELECT MIN(id) FROM study_session")),
        },
        user="cq_admin",
    )
    assert data["payment"]["paidAt"] and data["auditLog"]["edges"]
    seen = {}
    for key, value in moments_in(data):
        assert OFFSET.match(value), (key, value)
        seen.setdefault(key, value)
    assert set(seen) == KEYS
