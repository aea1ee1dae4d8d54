"""Party dues: band boundaries, an end-to-end quarter for 欧丽, idempotency, scopes."""

import asyncio
import base64
import csv
import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import RuleViolation
from resolvers.dues import load_rule_set
from tests.conftest import Api
from tests.test_write import audited_refusal

# (category, monthly base in fen, branch-set amount, payable in fen) — 中组发〔2008〕3号
BOUNDARIES = [
    ("EMPLOYED", 0, None, 0),
    ("EMPLOYED", 299_999, None, 1500),  # 1499.995 rounds half up
    ("EMPLOYED", 300_000, None, 1500),  # ≤3000 yuan: 0.5%
    ("EMPLOYED", 300_001, None, 3000),  # above: 1%
    ("EMPLOYED", 500_000, None, 5000),
    ("EMPLOYED", 500_001, None, 7500),  # above 5000: 1.5%
    ("EMPLOYED", 1_000_000, None, 15000),
    ("EMPLOYED", 1_000_001, None, 20000),  # above 10000: 2%
    ("EMPLOYED", 123_457, None, 617),  # 617.285 fen
    ("RETIRED", 500_000, None, 2500),  # ≤5000 yuan: 0.5%
    ("RETIRED", 500_001, None, 5000),  # above: 1%
    ("STUDENT", None, None, 20),
    ("UNEMPLOYED", None, None, 20),
    ("SUBSISTENCE", 800_000, None, 20),  # fixed whatever the base
    ("FARMER", None, 20, 20),
    ("FARMER", None, 100, 100),
]


@pytest.mark.parametrize("category, base, amount, payable", BOUNDARIES)
async def test_band_boundaries(
    db: AsyncEngine, category: str, base: int | None, amount: int | None, payable: int
) -> None:
    async with db.connect() as conn:
        rules = await load_rule_set(conn, dt.date(2026, 1, 1))
    assert rules.payable(category, base, amount) == payable


@pytest.mark.parametrize(
    "category, base, amount",
    [
        ("FARMER", None, 19),
        ("FARMER", None, 101),
        ("FARMER", None, None),
        ("EMPLOYED", None, None),
        ("EMPLOYED", -1, None),
        ("ALIEN", 1, None),
    ],
)
async def test_invalid_bases(
    db: AsyncEngine, category: str, base: int | None, amount: int | None
) -> None:
    async with db.connect() as conn:
        rules = await load_rule_set(conn, dt.date(2026, 1, 1))
    with pytest.raises(RuleViolation):
        rules.payable(category, base, amount)


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def one(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).one()


PAY = """mutation($m: ID!, $months: [String!]!, $fen: Int!, $key: String!) {
  payDues(input: {memberId: $m, months: $months, amountFen: $fen, channel: WECHAT,
                  idempotencyKey: $key}) { payment { id amountFen months kind } } }"""
COLLECTION = """query($id: ID!, $month: String) { organization(id: $id) {
  dues(month: $month) { payableFen collectedFen membersPaid collectionRate } } }"""
LEDGER = """query($id: ID!) { node(id: $id) { ... on Member { duesLedger(year: 2026) {
  base { monthlyBaseFen monthlyPayableFen category }
  months { month payableFen paidFen channel } } } } }"""


async def ouli(api: Api) -> tuple[str, int, int, int]:
    """(global id, member id, branch id, district id) of 欧丽."""
    member, branch = await one(api, "SELECT id, org_id FROM member WHERE name = '欧丽'")
    district = (
        await one(api, "SELECT id FROM organization WHERE name = '中共重庆市江津区委员会'")
    )[0]
    return gid("Member", member), member, branch, district


async def payable_of(api: Api, member_id: int) -> int:
    return (
        await one(
            api,
            "SELECT monthly_payable_fen FROM dues_base WHERE member_id = :m AND year = 2026",
            m=member_id,
        )
    )[0]


async def test_ouli_pays_a_quarter(writable_api: Api) -> None:
    api = writable_api
    member_gid, member_id, branch, district = await ouli(api)
    monthly = await payable_of(api, member_id)
    before = {
        org: (
            await api.data(
                COLLECTION,
                {"id": gid("Organization", org), "month": "2026-08"},
                user="jiangjin_admin",
            )
        )["organization"]["dues"]
        for org in (branch, district)
    }
    paid = await api.data(
        PAY,
        {
            "m": member_gid,
            "months": ["2026-07", "2026-08", "2026-09"],
            "fen": monthly * 3,
            "key": f"ouli-q3-{uuid.uuid4()}",
        },
        user="ouli",
    )
    payment = paid["payDues"]["payment"]
    assert payment["months"] == ["2026-07", "2026-08", "2026-09"]
    assert payment["amountFen"] == monthly * 3 and payment["kind"] == "PAYMENT"
    ledger = (await api.data(LEDGER, {"id": member_gid}, user="ouli"))["node"]["duesLedger"]
    july_to_sept = [m for m in ledger["months"] if "2026-07" <= m["month"] <= "2026-09"]
    assert all(m["paidFen"] == m["payableFen"] == monthly for m in july_to_sept)
    assert ledger["base"]["monthlyBaseFen"] is not None  # her own base, in clear
    for org in (branch, district):
        after = await api.data(
            COLLECTION, {"id": gid("Organization", org), "month": "2026-08"}, user="jiangjin_admin"
        )
        after = after["organization"]["dues"]
        assert after["collectedFen"] == before[org]["collectedFen"] + monthly
        assert after["membersPaid"] == before[org]["membersPaid"] + 1
        assert after["collectionRate"] == round(after["collectedFen"] / after["payableFen"], 4)


async def test_idempotency_and_refusals(writable_api: Api) -> None:
    api = writable_api
    member_gid, member_id, *_ = await ouli(api)
    monthly = await payable_of(api, member_id)
    key = f"ouli-oct-{uuid.uuid4()}"
    variables = {"m": member_gid, "months": ["2026-10"], "fen": monthly, "key": key}
    first = await api.data(PAY, variables, user="ouli")
    assert await api.data(PAY, variables, user="ouli") == first
    reused = await api.post(PAY, {**variables, "fen": monthly * 2}, user="ouli")
    assert reused["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    again = await api.post(PAY, {**variables, "key": f"other-{uuid.uuid4()}"}, user="ouli")
    assert again["errors"][0]["message"] == "2026-10 is already paid"
    wrong = await api.post(
        PAY,
        {**variables, "months": ["2026-11"], "fen": monthly + 1, "key": f"k-{uuid.uuid4()}"},
        user="jiangjin_admin",
    )
    assert wrong["errors"][0]["message"] == f"amount must be {monthly} fen for 1 month(s)"
    advance = await api.post(
        PAY, {**variables, "months": ["2026-12"], "key": f"k-{uuid.uuid4()}"}, user="ouli"
    )
    assert "needs the branch" in advance["errors"][0]["message"]


async def test_fifty_concurrent_payments_with_one_key(writable_api: Api) -> None:
    api = writable_api
    member_gid, member_id, *_ = await ouli(api)
    monthly = await payable_of(api, member_id)
    key = f"concurrent-{uuid.uuid4()}"
    variables = {"m": member_gid, "months": ["2026-11"], "fen": monthly, "key": key}
    bodies = await asyncio.gather(
        *(api.post(PAY, variables, user="jiangjin_admin") for _ in range(50))
    )
    ids = {b["data"]["payDues"]["payment"]["id"] for b in bodies if "errors" not in b}
    assert len(ids) == 1, [b.get("errors") for b in bodies if "errors" in b][:3]
    assert all("errors" not in b for b in bodies)
    count = await one(api, "SELECT COUNT(*) FROM dues_payment WHERE idempotency_key = :k", k=key)
    months = await one(
        api,
        "SELECT COUNT(*) FROM dues_month WHERE member_id = :m AND period = :p",
        m=member_id,
        p=2026 * 12 + 10,
    )
    assert count[0] == 1 and months[0] == 1


async def test_branch_secretary_cannot_pay_outside_the_branch(writable_api: Api) -> None:
    api = writable_api
    member_gid, member_id, *_ = await ouli(api)
    before = await one(api, "SELECT COUNT(*) FROM dues_payment")
    body = await api.post(
        PAY,
        {
            "m": member_gid,
            "months": ["2026-12"],
            "fen": await payable_of(api, member_id),
            "key": f"outside-{uuid.uuid4()}",
        },
        user="qnt_grid1_secretary",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await one(api, "SELECT COUNT(*) FROM dues_payment") == before


MONEY = """query($id: ID!, $org: ID!) {
  node(id: $id) { ... on Member { duesLedger(year: 2026) { payableFen paidFen
    base { monthlyBaseFen monthlyPayableFen category } months { payableFen paidFen paymentId } } } }
  organization(id: $org) {
    dues(month: "2026-09") { payableFen collectedFen collectionRate membersDue membersPaid }
    duesArrears(month: "2026-10", minMonths: 1, first: 100) {
      edges { node { monthlyPayableFen months member { id } } } }
    duesPublication(year: 2026, first: 100) {
      edges { node { payableFen collectedFen collectionRate } } } } }"""
PAYMENTS = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on DuesPayment { amountFen kind } } }"


def money(data: object) -> list:
    """Every money figure in a response: amounts in fen and the rates computed from them."""
    if isinstance(data, list):
        return [v for item in data for v in money(item)]
    if isinstance(data, dict):
        return [
            v
            for k, item in data.items()
            for v in ([item] if k.endswith("Fen") or k == "collectionRate" else money(item))
        ]
    return []


async def money_seen(api: Api, user: str) -> dict:
    """A paying member's ledger and payments (the first of 江津区's in the seed), 江津区's
    collection, arrears and publication, as `user`."""
    district = await one(
        api, "SELECT id, path FROM organization WHERE name = '中共重庆市江津区委员会'"
    )
    payer = await one(
        api,
        "SELECT MIN(member_id) FROM dues_month WHERE org_path >= :a AND org_path < :z",
        a=district.path,
        z=district.path[:-1] + "0",
    )
    variables = {"id": gid("Member", payer[0]), "org": gid("Organization", district.id)}
    data = await api.data(MONEY, variables, user=user)
    paid = [m["paymentId"] for m in data["node"]["duesLedger"]["months"] if m["paymentId"]]
    data["payments"] = (await api.data(PAYMENTS, {"ids": paid}, user=user))["nodes"]
    return data


async def test_money_figures_go_with_the_income_base(api: Api) -> None:
    """An auditor sees who owes and who paid, when and how, but no amount: a member's payable
    divided by the bands gives the base; a total changing by one member gives their payable."""
    admin = await money_seen(api, "jiangjin_admin")
    audited = await money_seen(api, "jiangjin_auditor")
    figures = money(admin)
    assert len(figures) > 30 and all(f is not None for f in figures)
    assert set(money(audited)) == {None}
    assert len(money(audited)) == len(figures)
    ledger = audited["node"]["duesLedger"]
    assert ledger["base"]["category"] and audited["payments"]
    assert [e["node"]["months"] for e in audited["organization"]["duesArrears"]["edges"]] == [
        e["node"]["months"] for e in admin["organization"]["duesArrears"]["edges"]
    ]
    assert audited["organization"]["dues"]["membersPaid"] > 0
    assert [p["kind"] for p in audited["payments"]] == [p["kind"] for p in admin["payments"]]
    ouli_own = await api.data(LEDGER, {"id": (await ouli(api))[0]}, user="ouli")
    assert ouli_own["node"]["duesLedger"]["base"]["monthlyPayableFen"] > 0
    district = gid("Organization", (await ouli(api))[3])
    csv_path = f"/queries/arrears_list?org={district}&month=2026-10&minMonths=1&format=csv"
    rows = {}
    for user in ("jiangjin_admin", "jiangjin_auditor"):
        response = await api.client.get(
            csv_path, headers={"Authorization": f"Bearer {api.token(user)}"}
        )
        rows[user] = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    column = "monthlyPayableFen"
    assert rows["jiangjin_admin"] and all(r[column] for r in rows["jiangjin_admin"])
    assert len(rows["jiangjin_auditor"]) == len(rows["jiangjin_admin"])
    assert not any(r[column] for r in rows["jiangjin_auditor"])


async def test_arrears_list_matches_sql(api: Api) -> None:
    district = await one(
        api, "SELECT id, path FROM organization WHERE name = '中共重庆市江津区委员会'"
    )
    async with api.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("""
            SELECT b.member_id FROM dues_base b WHERE b.year = 2026 AND b.owed_from <= :p
              AND b.exempt = :f AND b.monthly_payable_fen > 0
              AND b.org_path >= :a AND b.org_path < :z
              AND :p - COALESCE((SELECT MAX(m.period) FROM dues_month m
                    WHERE m.member_id = b.member_id AND m.voided_by IS NULL AND m.period <= :p),
                  (SELECT MIN(e.owed_from) FROM dues_base e WHERE e.member_id = b.member_id) - 1)
                >= 6"""),
                {"p": 2026 * 12 + 9, "f": False, "a": district.path, "z": district.path[:-1] + "0"},
            )
        ).all()
    expected = {r[0] for r in rows}
    data = await api.data(
        """query($id: ID!) { organization(id: $id) {
        duesArrears(month: "2026-10", first: 100) { totalCount edges { node {
          months selfLapse member { id } } } } } }""",
        {"id": gid("Organization", district.id)},
        user="jiangjin_admin",
    )
    conn_ = data["organization"]["duesArrears"]
    got = {
        int(base64.b64decode(e["node"]["member"]["id"]).decode().split(":")[1])
        for e in conn_["edges"]
    }
    assert got == expected and conn_["totalCount"] == len(expected) > 0
    assert all(e["node"]["selfLapse"] and e["node"]["months"] >= 6 for e in conn_["edges"])


async def test_reversal_reopens_the_months(writable_api: Api) -> None:
    api = writable_api
    member_gid, member_id, *_ = await ouli(api)
    monthly = await payable_of(api, member_id)
    payment_id = (
        await one(
            api,
            "SELECT payment_id FROM dues_month WHERE member_id = :m AND "
            "period = :p AND voided_by IS NULL",
            m=member_id,
            p=2026 * 12 + 4,
        )
    )[0]
    reverse = """mutation($id: ID!, $key: String!) { reverseDuesPayment(input: {paymentId: $id,
        reason: "重复缴纳", idempotencyKey: $key}) { payment { kind amountFen months } } }"""
    key = f"rev-{uuid.uuid4()}"
    body = await api.data(
        reverse, {"id": gid("DuesPayment", payment_id), "key": key}, user="jiangjin_admin"
    )
    entry = body["reverseDuesPayment"]["payment"]
    assert entry["kind"] == "REVERSAL" and entry["amountFen"] < 0 and "2026-05" in entry["months"]
    assert (
        await api.data(
            reverse, {"id": gid("DuesPayment", payment_id), "key": key}, user="jiangjin_admin"
        )
        == body
    )
    twice = await api.post(
        reverse,
        {"id": gid("DuesPayment", payment_id), "key": f"rev-{uuid.uuid4()}"},
        user="jiangjin_admin",
    )
    assert twice["errors"][0]["message"] == "this payment was already reversed"
    repaid = await api.data(
        PAY,
        {"m": member_gid, "months": ["2026-05"], "fen": monthly, "key": f"may-{uuid.uuid4()}"},
        user="ouli",
    )
    assert repaid["payDues"]["payment"]["months"] == ["2026-05"]


async def test_exemption_is_approved_one_level_up(writable_api: Api) -> None:
    api = writable_api
    member = (
        await one(
            api,
            """SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id
        WHERE o.name = '中共青年塘社区网格第一党支部' AND m.name <> '程振国' AND m.status = 'FULL'
        ORDER BY m.id LIMIT 1""",
        )
    )[0]
    exempt = """mutation($m: ID!) { exemptDues(input: {memberId: $m, year: 2026,
        reason: "重病住院"}) { ledger { base { exempt exemptionReason } } } }"""
    refused = await api.post(exempt, {"m": gid("Member", member)}, user="qnt_grid1_secretary")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = await api.data(exempt, {"m": gid("Member", member)}, user="banan_admin")
    assert done["exemptDues"]["ledger"]["base"] == {"exempt": True, "exemptionReason": "重病住院"}


async def test_an_official_does_not_exempt_herself_or_set_her_own_base(writable_api: Api) -> None:
    """殷江洪 (huxi_secretary, a member of 浒溪社区第一党支部) may exempt and set bases in her
    community, not for herself; the refusals are audited and change nothing."""
    api = writable_api
    me = (await one(api, "SELECT id FROM member WHERE name = '殷江洪'"))[0]
    peer = (
        await one(
            api,
            """SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id
            WHERE o.name = '中共浒溪社区第一党支部' AND m.name <> '殷江洪' AND m.status = 'FULL'
            AND m.dues_category = 'EMPLOYED' ORDER BY m.id LIMIT 1""",
        )
    )[0]
    exempt = """mutation($m: ID!, $y: Int!) { exemptDues(input: {memberId: $m, year: $y,
        reason: "家庭困难"}) { ledger { base { exempt } } } }"""
    base = """mutation($m: ID!) { setDuesBase(input: {memberId: $m, year: 2027,
        monthlyBaseFen: 1}) { ledger { base { monthlyPayableFen } } } }"""
    before = await one(
        api, "SELECT COUNT(*), SUM(CASE WHEN exempt THEN 1 ELSE 0 END) FROM dues_base"
    )
    for field, query, variables in (
        ("exemptDues", exempt, {"m": gid("Member", me), "y": 2026}),
        ("setDuesBase", base, {"m": gid("Member", me)}),
    ):
        error = await audited_refusal(api, field, query, variables, "huxi_secretary")
        assert error["extensions"]["code"] == "FORBIDDEN" and "回避" in error["message"], field
    assert (
        await one(api, "SELECT COUNT(*), SUM(CASE WHEN exempt THEN 1 ELSE 0 END) FROM dues_base")
        == before
    )
    done = await api.data(base, {"m": gid("Member", peer)}, user="huxi_secretary")
    assert done["setDuesBase"]["ledger"]["base"]["monthlyPayableFen"] == 0
    done = await api.data(exempt, {"m": gid("Member", peer), "y": 2027}, user="huxi_secretary")
    assert done["exemptDues"]["ledger"]["base"]["exempt"] is True
