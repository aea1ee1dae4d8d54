"""Check-in writes: reporting, logging, reviewing and ending; bad input writes nothing."""

import base64

import pytest
from sqlalchemy import text

from tests.conftest import Api
from tests.test_write import audited_refusal

REPORT = """mutation($c: ID!, $g: ID) { reportCheckIn(input: {communityId: $c, gridId: $g}) {
  checkIn { id status community { name } member { name } } } }"""
LOG = """mutation($ci: ID, $s: DateTime!, $e: DateTime!, $d: String!) {
  logService(input: {checkInId: $ci, method: KNOW_HOUSEHOLD, startedAt: $s, endedAt: $e,
                     description: $d}) {
    serviceRecord { id status minutes community { name } } } }"""
REVIEW = """mutation($id: ID!, $ok: Boolean!) { reviewService(input: {serviceRecordId: $id,
  approve: $ok, note: "核实"}) { serviceRecord { id status reviewNote } } }"""
END = """mutation($id: ID!) { endCheckIn(input: {checkInId: $id}) {
  checkIn { id status endedOn } } }"""
COUNTS = "SELECT (SELECT COUNT(*) FROM check_in), (SELECT COUNT(*) FROM service_record)"


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def one(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).one()


async def org(api: Api, name: str) -> str:
    return gid(
        "Organization", (await one(api, "SELECT id FROM organization WHERE name = :n", n=name))[0]
    )


async def error_of(api: Api, query: str, variables: dict, user: str) -> dict:
    before = await one(api, COUNTS)
    body = await api.post(query, variables, user=user)
    assert await one(api, COUNTS) == before, "a refused write changed data"
    return body["errors"][0]


@pytest.fixture(scope="module")
async def chenjia_check_in(writable_api: Api) -> str:
    """陈佳 (floating from 鸳鸯村) reports to 南彭社区."""
    api = writable_api
    data = await api.data(REPORT, {"c": await org(api, "中共南彭社区党委")}, user="chenjia")
    check_in = data["reportCheckIn"]["checkIn"]
    assert check_in["status"] == "ACTIVE" and check_in["member"]["name"] == "陈佳"
    assert check_in["community"]["name"] == "中共南彭社区党委"
    return check_in["id"]


async def test_second_active_check_in_is_refused(writable_api: Api, chenjia_check_in: str):
    error = await error_of(
        writable_api, REPORT, {"c": await org(writable_api, "中共浒溪社区党委")}, "chenjia"
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "already checked in" in error["message"]


@pytest.mark.parametrize("target", ["中共南彭街道党工委", "中共鸳鸯村第一党支部", None])
async def test_check_in_needs_a_community(writable_api: Api, target: str | None) -> None:
    community = await org(writable_api, target) if target else gid("Organization", 10**8)
    error = await error_of(writable_api, REPORT, {"c": community}, "dujuan")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "communityId must name a community (社区) or village (村)"


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("2026-11-20T10:00:00", "2026-11-20T09:00:00", "endedAt must be after startedAt"),
        ("2026-11-20T10:00:00", "2026-11-20T10:00:00", "endedAt must be after startedAt"),
        (
            "2026-11-19T08:00:00",
            "2026-11-20T08:30:00",
            "one service record may cover at most 24 hours",
        ),
        ("2030-01-01T08:00:00", "2030-01-01T09:00:00", "service cannot start in the future"),
    ],
)
async def test_bad_service_records(
    writable_api: Api, chenjia_check_in: str, start: str, end: str, message: str
) -> None:
    error = await error_of(
        writable_api, LOG, {"ci": chenjia_check_in, "s": start, "e": end, "d": "走访"}, "chenjia"
    )
    assert (
        error == {**error, "message": message} and error["extensions"]["code"] == "BAD_USER_INPUT"
    )


async def test_log_review_and_end(writable_api: Api, chenjia_check_in: str) -> None:
    api = writable_api
    logged = await api.data(
        LOG,
        {
            "ci": chenjia_check_in,
            "s": "2026-11-20T09:00:00+08:00",
            "e": "2026-11-20T11:30:00+08:00",
            "d": "走访独居老人",
        },
        user="chenjia",
    )
    record = logged["logService"]["serviceRecord"]
    assert record["status"] == "PENDING" and record["minutes"] == 150
    # someone else's check-in is not hers to log on
    ouli = await api.data("{ viewer { member { checkIns { id } } } }", user="ouli")
    ouli_check_in = ouli["viewer"]["member"]["checkIns"][0]["id"]
    error = await error_of(
        api,
        LOG,
        {"ci": ouli_check_in, "s": "2026-11-20T09:00:00", "e": "2026-11-20T10:00:00", "d": "x"},
        "chenjia",
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    # out of the community's scope: FORBIDDEN, and nothing changes
    for user in ("jiangjin_admin", "huxi_secretary", "ouli", "jiangjin_auditor"):
        error = await error_of(api, REVIEW, {"id": record["id"], "ok": True}, user)
        assert error["extensions"]["code"] == "FORBIDDEN", user
    reviewed = await api.data(REVIEW, {"id": record["id"], "ok": True}, user="banan_admin")
    assert reviewed["reviewService"]["serviceRecord"]["status"] == "VERIFIED"
    again = await api.data(REVIEW, {"id": record["id"], "ok": True}, user="banan_admin")
    assert again == reviewed
    flip = await error_of(api, REVIEW, {"id": record["id"], "ok": False}, "banan_admin")
    assert flip["message"] == "this service record was already reviewed"
    # ending keeps the history; a new check-in is then allowed
    ended = await api.data(END, {"id": chenjia_check_in}, user="chenjia")
    assert ended["endCheckIn"]["checkIn"]["status"] == "ENDED"
    node = await api.data(
        """query($id: ID!) { node(id: $id) { ... on CheckIn {
        status services { totalCount } } } }""",
        {"id": chenjia_check_in},
        user="chenjia",
    )
    assert node["node"] == {"status": "ENDED", "services": {"totalCount": 1}}
    closed = await error_of(
        api,
        LOG,
        {"ci": chenjia_check_in, "s": "2026-11-21T09:00:00", "e": "2026-11-21T10:00:00", "d": "x"},
        "chenjia",
    )
    assert closed["message"] == "that check-in has ended"
    again = await api.data(REPORT, {"c": await org(api, "中共鸳鸯村党委")}, user="chenjia")
    assert again["reportCheckIn"]["checkIn"]["status"] == "ACTIVE"


async def log_at_home(api: Api, start: str, end: str, what: str = "巡逻") -> dict:
    """殷江洪 (huxi_secretary) logs service in her own community (no check-in)."""
    variables = {"ci": None, "s": start, "e": end, "d": what}
    return (await api.data(LOG, variables, user="huxi_secretary"))["logService"]["serviceRecord"]


async def test_own_member_logs_at_home(writable_api: Api) -> None:
    api = writable_api
    record = await log_at_home(api, "2026-11-18T14:00:00", "2026-11-18T15:00:00", "楼道安全排查")
    assert record["community"]["name"] == "中共浒溪社区党委"
    error = await error_of(
        api,
        LOG,
        {"ci": None, "s": "2026-11-18T14:00:00", "e": "2026-11-18T15:00:00", "d": "x"},
        "ouli",
    )
    assert "checkInId is required" in error["message"]


async def test_accounts_without_member_cannot_report(writable_api: Api) -> None:
    error = await error_of(
        writable_api, REPORT, {"c": await org(writable_api, "中共浒溪社区党委")}, "cq_admin"
    )
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_mutations_over_get_are_405(writable_api: Api) -> None:
    token = writable_api.token("chenjia")
    response = await writable_api.client.get(
        "/graphql",
        params={"query": 'mutation { endCheckIn(input: {checkInId: "x"}) { checkIn { id } } }'},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 405


async def test_an_official_does_not_verify_her_own_service(writable_api: Api) -> None:
    """殷江洪 (huxi_secretary) serves in her own community: another official verifies it."""
    api = writable_api
    record = (await log_at_home(api, "2026-11-09T09:00:00", "2026-11-09T11:00:00"))["id"]
    error = await audited_refusal(
        api, "reviewService", REVIEW, {"id": record, "ok": True}, "huxi_secretary"
    )
    assert error["extensions"]["code"] == "FORBIDDEN" and "回避" in error["message"]
    pending = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ServiceRecord { status } } }",
        {"id": record},
        user="huxi_secretary",
    )
    assert pending["node"]["status"] == "PENDING"
    done = await api.data(REVIEW, {"id": record, "ok": True}, user="shengquan_admin")
    assert done["reviewService"]["serviceRecord"]["status"] == "VERIFIED"


@pytest.mark.parametrize(
    "day, records, refused, message",
    [
        # the same hour twice, or one inside another: one person serves once at a time
        ("2026-10-13", [("09:00", "10:00")], ("09:30", "10:30"), "overlaps"),
        ("2026-10-14", [("09:00", "12:00")], ("10:00", "11:00"), "overlaps"),
        # 12 hours a day at the most: 8 + 4 hours, then one more
        ("2026-10-15", [("00:00", "08:00"), ("08:00", "12:00")], ("12:00", "13:00"), "12 hours"),
    ],
)
async def test_service_records_do_not_overlap_or_exceed_a_day(
    writable_api: Api,
    day: str,
    records: list[tuple[str, str]],
    refused: tuple[str, str],
    message: str,
) -> None:
    api = writable_api
    for start, end in records:
        await log_at_home(api, f"{day}T{start}:00", f"{day}T{end}:00")
    variables = {"ci": None, "s": f"{day}T{refused[0]}:00", "e": f"{day}T{refused[1]}:00"}
    error = await error_of(api, LOG, {**variables, "d": "巡逻"}, "huxi_secretary")
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and message in error["message"]


async def test_a_day_counts_the_service_crossing_midnight(writable_api: Api) -> None:
    """22:00 to 08:00 is 2 hours of one day and 8 of the next; adjacent records are fine."""
    api = writable_api
    await log_at_home(api, "2026-10-01T22:00:00", "2026-10-02T08:00:00")
    await log_at_home(api, "2026-10-02T08:00:00", "2026-10-02T12:00:00")
    late = {"ci": None, "s": "2026-10-02T12:00:00", "e": "2026-10-02T12:30:00", "d": "巡逻"}
    error = await error_of(api, LOG, late, "huxi_secretary")
    assert error["message"] == "at most 12 hours of service a day"
    assert await log_at_home(api, "2026-10-01T18:00:00", "2026-10-01T22:00:00")
