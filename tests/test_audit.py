"""The audit trail: written with every change, failures too, read within scope, append-only."""

import base64
import datetime as dt
import json
import re
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import clock
from resolvers.audit import purge
from resolvers.context import MAX_AUDIT_ITEMS, MAX_AUDIT_JSON, MAX_AUDIT_TEXT, Context
from tests.conftest import Api

LOG = """query($op: String) { auditLog(operation: $op, first: 100) { totalCount
  edges { node { username roles operation target success errorCode before after requestId
  serverRequestId id } } } }"""


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def one(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).one()


async def test_changes_and_refusals_are_recorded(writable_api: Api) -> None:
    api = writable_api
    member = (await one(api, "SELECT id FROM member WHERE name = '欧丽'"))[0]
    monthly = (
        await one(
            api,
            "SELECT monthly_payable_fen FROM dues_base WHERE member_id = :m AND year = 2026",
            m=member,
        )
    )[0]
    key = f"audit-{uuid.uuid4()}"
    pay = """mutation($m: ID!, $fen: Int!, $key: String!) { payDues(input: {memberId: $m,
        months: ["2026-12"], amountFen: $fen, channel: CASH, idempotencyKey: $key}) {
        payment { id } } }"""
    variables = {"m": gid("Member", member), "fen": monthly, "key": key}
    response = await api.client.post(
        "/graphql",
        json={"query": pay, "variables": variables},
        headers={
            "Authorization": f"Bearer {api.token('jiangjin_admin')}",
            "X-Request-ID": "req-0001",
        },
    )
    payment = response.json()["data"]["payDues"]["payment"]["id"]
    await api.data(pay, variables, user="jiangjin_admin")  # a replay changes nothing
    refused = await api.post(
        pay, {**variables, "key": f"other-{uuid.uuid4()}"}, user="qnt_grid1_secretary"
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = (await api.data(LOG, {"op": "payDues"}, user="jiangjin_auditor"))["auditLog"]
    mine = [e["node"] for e in rows["edges"] if e["node"]["target"] == payment]
    assert len(mine) == 1
    assert mine[0]["success"] and mine[0]["requestId"] == "req-0001"
    assert mine[0]["username"] == "jiangjin_admin" and mine[0]["roles"] == "district_admin"
    assert json.loads(mine[0]["after"])["amount_fen"] == "***"  # it gives the base
    everyone = (await api.data(LOG, {"op": "payDues"}, user="cq_admin"))["auditLog"]
    failures = [e["node"] for e in everyone["edges"] if not e["node"]["success"]]
    assert {
        (f["target"], f["errorCode"]) for f in failures if f["username"] == "qnt_grid1_secretary"
    } == {(None, "FORBIDDEN"), (variables["m"], "FORBIDDEN")}
    # the branch secretary's refused attempt on 欧丽 is recorded in the secretary's own scope
    # and in 欧丽's organisation, where 江津区's auditor sees it
    attempts = [e["node"] for e in rows["edges"] if e["node"]["username"] == "qnt_grid1_secretary"]
    assert [(a["target"], a["success"]) for a in attempts] == [(variables["m"], False)]


async def test_income_bases_and_amounts_are_masked_in_the_trail(writable_api: Api) -> None:
    api = writable_api
    member = (
        await one(
            api,
            """SELECT m.id FROM member m LEFT JOIN dues_base b ON
        b.member_id = m.id AND b.year = 2027 WHERE m.status = 'FULL' AND m.dues_category =
        'EMPLOYED' AND b.id IS NULL ORDER BY m.id LIMIT 1""",
        )
    )[0]
    await api.data(
        """mutation($m: ID!) { setDuesBase(input: {memberId: $m, year: 2027,
        monthlyBaseFen: 812345}) { ledger { year } } }""",
        {"m": gid("Member", member)},
        user="cq_admin",
    )
    rows = (await api.data(LOG, {"op": "setDuesBase"}, user="cq_admin"))["auditLog"]["edges"]
    after = json.loads(rows[0]["node"]["after"])
    assert after["monthly_base_fen"] == after["monthly_payable_fen"] == "***"
    assert after["year"] == 2027 and after["category"] == "EMPLOYED"


async def test_scope_of_the_trail(writable_api: Api) -> None:
    api = writable_api
    banan = await api.data(LOG, {"op": None}, user="banan_admin")
    assert all(e["node"]["username"] != "jiangjin_admin" for e in banan["auditLog"]["edges"])
    secretary = await api.data(LOG, {"op": None}, user="huxi_secretary")
    assert secretary["auditLog"] == {"totalCount": 0, "edges": []}


async def test_rows_cannot_be_changed(writable_api: Api) -> None:
    with pytest.raises((DBAPIError, IntegrityError)):
        async with writable_api.engine.begin() as conn:
            await conn.execute(text("UPDATE audit_log SET success = :t"), {"t": False})


async def test_retention_purge(writable_api: Api) -> None:
    api = writable_api
    before = (await one(api, "SELECT COUNT(*) FROM audit_log"))[0]
    assert before > 0
    async with AsyncSession(api.engine) as session:
        assert await purge(session, 180, clock().today()) == 0
        assert await purge(session, 0, clock().today() + dt.timedelta(days=1)) == before
    assert (await one(api, "SELECT COUNT(*) FROM audit_log"))[0] == 0


async def trail_of(api: Api, server_id: str):
    return await one(
        api,
        "SELECT operation, request_id, server_request_id, after FROM audit_log"
        " WHERE server_request_id = :s",
        s=server_id,
    )


@pytest.mark.parametrize(
    "given, kept",
    [
        ("trace.42_x-1", True),
        ("ÿ-latin-1-letters", False),  # letters, but not ASCII
        ("x" * 65, False),
        ("two words", False),
    ],
)
async def test_request_ids_in_the_trail(writable_api: Api, given: str, kept: bool) -> None:
    """A write under an alias is recorded under the field name, with the caller's request id
    when it is a plain token (else ours) and ours beside it whatever was sent."""
    api = writable_api
    member = (await one(api, "SELECT id FROM member WHERE name = '欧丽'"))[0]
    response = await api.client.post(
        "/graphql",
        json={
            "query": """mutation($m: ID!) { harmless: exemptDues(input: {memberId: $m,
              year: 2026, reason: "家庭困难"}) { ledger { year } } }""",
            "variables": {"m": gid("Member", member)},
        },
        headers={
            "Authorization": f"Bearer {api.token('jiangjin_admin')}",
            "X-Request-ID": given.encode(),
        },
    )
    assert "errors" not in response.json()
    answered = response.headers["x-request-id"]
    rows = (await api.data(LOG, {"op": "exemptDues"}, user="jiangjin_admin"))["auditLog"]
    entry = next(e["node"] for e in rows["edges"] if e["node"]["requestId"] == answered)
    ours = entry["serverRequestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", ours)
    assert answered == (given if kept else ours)
    operation, request_id, _, _ = await trail_of(api, ours)
    assert (operation, request_id) == ("exemptDues", answered)


async def test_before_and_after_are_bounded(writable_api: Api) -> None:
    """Whatever an action hands the trail, a row stays small: long strings and lists are cut
    and say so, and an oversized document is replaced by its size."""
    api = writable_api
    async with AsyncSession(api.engine) as session:
        ctx = Context(session=session, principal=None)
        ctx.audit("reviewService", None, "/1/", after={"note": "备" * 1_000_000, "ids": [7] * 99})
        await session.commit()
        wide = Context(session=session, principal=None)
        wide.audit("reviewService", None, "/1/", after={f"k{i}": "x" * 150 for i in range(99)})
        await session.commit()
    after = json.loads((await trail_of(api, ctx.server_request_id))[3])
    assert after["note"] == "备" * MAX_AUDIT_TEXT + f"…(+{1_000_000 - MAX_AUDIT_TEXT} characters)"
    assert after["ids"] == [7] * MAX_AUDIT_ITEMS + [f"…(+{99 - MAX_AUDIT_ITEMS} items)"]
    stored = (await trail_of(api, wide.server_request_id))[3]
    assert len(stored) <= MAX_AUDIT_JSON and json.loads(stored)["truncated"]


async def test_an_entry_is_a_node_where_the_log_shows_it(writable_api: Api) -> None:
    api = writable_api
    log = await api.data(LOG, {"op": None}, user="cq_admin")
    entries = [e["node"]["id"] for e in log["auditLog"]["edges"]]
    assert entries  # the tests above wrote some
    look = "query($id: ID!) { node(id: $id) { __typename id } }"
    for entry in entries[:5]:
        found = await api.data(look, {"id": entry}, user="cq_admin")
        assert found["node"] == {"__typename": "AuditEntry", "id": entry}
        assert (await api.data(look, {"id": entry}, user="ouli"))["node"] is None
