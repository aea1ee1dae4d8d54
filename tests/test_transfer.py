"""组织关系转接: 欧丽 from her 江津 branch to a branch of 巴南区, both sides; the receiving side
reads nothing of her archive until it accepts, the sending side nothing after; her dues and
check-in follow. Within one scope a transfer completes at once; out of the city it ends as
TRANSFERRED_OUT; returns, deadlines, idempotency and versions."""

import base64

from sqlalchemy import text

from tests.conftest import Api
from tests.test_member_archive import STANDING
from tests.test_statement_count import counting

TRANSFER = """mutation($in: TransferMemberInput!) { transferMember(input: $in) {
  transfer { id status version letterNumber memberName fromName toName dueOn overdue
             member { name } } } }"""
ACCEPT = """mutation($in: AnswerTransferInput!) { acceptTransfer(input: $in) {
  transfer { id status version member { name idCardNumber organization { name } } } } }"""
RETURN = """mutation($in: AnswerTransferInput!) { returnTransfer(input: $in) {
  transfer { id status reason version } } }"""
MEMBER = """query($id: ID!) { node(id: $id) { ... on Member { name version idCardNumber
  organization { name } } } }"""
TRANSFER_NODE = """query($id: ID!) { node(id: $id) { ... on MemberTransfer { status memberName
  letterNumber fromName toName member { name } } } }"""
INCOMING = """query($org: ID!, $overdue: Boolean!) { organization(id: $org) {
  transfers(direction: INCOMING, overdue: $overdue, first: 10) {
    totalCount edges { node { memberName status overdue } } } } }"""
OUTGOING = """query($org: ID!) { organization(id: $org) {
  transfers(direction: OUTGOING, first: 10) {
    totalCount edges { node { memberName status } } } } }"""
LEDGER = """query($id: ID!) { node(id: $id) { ... on Member {
  duesLedger(year: 2026) { paidFen months { month paidAt } } } } }"""
BY_NAME = """query($name: String) { members(filter: {name: $name}) { totalCount } }"""
LISTED = """query($org: ID!, $first: Int) { organization(id: $org) {
  transfers(direction: OUTGOING, first: $first) { totalCount edges { node { memberName
    member { name transfer { status } } fromOrganization { name }
    toOrganization { name } } } } } }"""
OWN = """{ viewer { member { name transfer { status letterNumber toName } } } }"""


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def sql(api: Api, statement: str, **params) -> list:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


async def member_named(api: Api, name: str) -> tuple[int, int, str]:
    return tuple(
        (await sql(api, "SELECT id, version, org_path FROM member WHERE name = :n", n=name))[0]
    )  # type: ignore[return-value]


async def branch_in(api: Api, committee: str, skip: int = 0) -> tuple[int, str]:
    """A branch (党支部) under the committee named."""
    top = (await sql(api, "SELECT path FROM organization WHERE name = :n", n=committee))[0][0]
    rows = await sql(
        api,
        "SELECT id, path FROM organization WHERE level = 'BRANCH' AND path LIKE :p ORDER BY id",
        p=top + "%",
    )
    return tuple(rows[skip])  # type: ignore[return-value]


BANAN = "中共重庆市巴南区委员会"
JIANGJIN = "中共重庆市江津区委员会"


async def test_ouli_walks_both_sides(writable_api: Api) -> None:
    api = writable_api
    ouli, version, old_path = await member_named(api, "欧丽")
    to_id, to_path = await branch_in(api, BANAN)
    old_org = (await sql(api, "SELECT org_id FROM member WHERE id = :m", m=ouli))[0][0]
    follows_before = {
        table: (await sql(api, f"SELECT count(*) FROM {table} WHERE {column} = :p AND member_id = :m", p=old_path, m=ouli))[0][0]  # noqa: E501
        for table, column in (("check_in", "member_org_path"), ("dues_month", "org_path"),
                              ("dues_base", "org_path"))
    }  # fmt: skip
    assert follows_before["check_in"] >= 1 and follows_before["dues_base"] >= 1
    ledger = await api.data(LEDGER, {"id": gid("Member", ouli)}, user="jiangjin_admin")
    assert ledger["node"]["duesLedger"]["paidFen"] > 0
    value = {
        "memberId": gid("Member", ouli),
        "toOrganizationId": gid("Organization", to_id),
        "letterNumber": "江组转〔2026〕18号",
        "expectedVersion": version,
        "idempotencyKey": "ouli-to-banan-1",
    }
    issued = (await api.data(TRANSFER, {"in": value}, user="jiangjin_admin"))["transferMember"]
    t = issued["transfer"]
    assert t["status"] == "PENDING" and t["letterNumber"] == "江组转〔2026〕18号"
    assert t["memberName"] == "欧丽" and t["member"] == {"name": "欧丽"}
    assert t["dueOn"] == "2026-12-25" and t["overdue"] is False  # 30 days from 2026-11-25
    # a retry answers the same; another request under the key is refused
    again = await api.data(TRANSFER, {"in": value}, user="jiangjin_admin")
    assert again["transferMember"]["transfer"]["id"] == t["id"]
    other = await api.post(TRANSFER, {"in": {**value, "letterNumber": "x"}}, user="jiangjin_admin")
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(await sql(api, "SELECT id FROM member_transfer WHERE member_id = :m", m=ouli)) == 1

    # while it waits, she stays on her branch's roll
    leave = {"memberId": gid("Member", ouli), "standing": "DECEASED", "on": "2026-11-20",
             "expectedVersion": version}  # fmt: skip
    waiting = await api.post(STANDING, {"in": leave}, user="jiangjin_admin")
    assert "transfer waiting" in waiting["errors"][0]["message"]

    # until accepted: 巴南 sees the letter, not her archive
    seen = await api.data(MEMBER, {"id": gid("Member", ouli)}, user="banan_admin")
    assert seen["node"] is None
    letter = (await api.data(TRANSFER_NODE, {"id": t["id"]}, user="banan_admin"))["node"]
    assert letter["memberName"] == "欧丽" and letter["member"] is None
    assert letter["fromName"] and letter["toName"]
    incoming = await api.data(
        INCOMING, {"org": gid("Organization", to_id), "overdue": False}, user="banan_admin"
    )
    assert incoming["organization"]["transfers"]["totalCount"] == 1
    outgoing = await api.data(
        OUTGOING, {"org": gid("Organization", old_org)}, user="jiangjin_admin"
    )
    assert [e["node"]["memberName"] for e in outgoing["organization"]["transfers"]["edges"]] == [
        "欧丽"
    ]
    # the member follows her own transfer; others see nothing of it
    own = await api.data(OWN, user="ouli")
    assert own["viewer"]["member"]["transfer"]["status"] == "PENDING"
    nothing = await api.data(TRANSFER_NODE, {"id": t["id"]}, user="dujuan")
    assert nothing["node"] is None

    answer = {"transferId": t["id"], "expectedVersion": 1, "idempotencyKey": "banan-takes-ouli"}
    # the sending side does not answer; nor does the 巴南 side with a stale version
    refused = await api.post(ACCEPT, {"in": answer}, user="jiangjin_admin")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stale = await api.post(ACCEPT, {"in": {**answer, "expectedVersion": 7}}, user="banan_admin")
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"

    accepted = (await api.data(ACCEPT, {"in": answer}, user="banan_admin"))["acceptTransfer"]
    assert accepted["transfer"]["status"] == "ACCEPTED"
    member = accepted["transfer"]["member"]
    assert member["name"] == "欧丽" and "*" not in member["idCardNumber"]
    retried = await api.data(ACCEPT, {"in": answer}, user="banan_admin")
    assert retried["acceptTransfer"]["transfer"]["status"] == "ACCEPTED"

    # afterwards 巴南 reads her archive, 江津 does not; the letter stays on both sides
    assert (await api.data(MEMBER, {"id": gid("Member", ouli)}, user="banan_admin"))["node"]
    # 江津 keeps only what its community sees of a member checked in there (浒溪社区):
    # the masked directory entry, no organisation; she is off its member list
    linked = (await api.data(MEMBER, {"id": gid("Member", ouli)}, user="jiangjin_admin"))["node"]
    assert linked["idCardNumber"] == "500***************" and linked["organization"] is None
    listed = await api.data(BY_NAME, {"name": "欧丽"}, user="jiangjin_admin")
    assert listed["members"]["totalCount"] == 0
    listed = await api.data(BY_NAME, {"name": "欧丽"}, user="banan_admin")
    assert listed["members"]["totalCount"] == 1
    letter = (await api.data(TRANSFER_NODE, {"id": t["id"]}, user="jiangjin_admin"))["node"]
    assert letter["status"] == "ACCEPTED" and letter["member"] is None
    # her dues months and check-in follow; the community's side of the check-in stays
    for (table, column), n in zip(
        (("check_in", "member_org_path"), ("dues_month", "org_path"), ("dues_base", "org_path")),
        follows_before.values(),
        strict=True,
    ):
        moved = f"SELECT count(*) FROM {table} WHERE {column} = :p AND member_id = :m"
        assert (await sql(api, moved, p=to_path, m=ouli))[0][0] == n, table
    community = await sql(api, "SELECT community_path FROM check_in WHERE member_id = :m", m=ouli)
    assert all(not p.startswith(to_path) for (p,) in community)
    # her ledger reads the same, now from 巴南's side too
    assert await api.data(LEDGER, {"id": gid("Member", ouli)}, user="banan_admin") == ledger
    trail = await sql(
        api,
        "SELECT operation, scope_path FROM audit_log WHERE operation IN "
        "('transferMember', 'acceptTransfer') AND success ORDER BY id",
    )
    assert ("acceptTransfer", to_path) in trail and ("acceptTransfer", old_path) in trail


async def test_return_within_scope_and_out_of_city(writable_api: Api) -> None:
    api = writable_api
    dujuan, version, _ = await member_named(api, "杜娟")
    to_id, _ = await branch_in(api, BANAN, 1)
    value = {
        "memberId": gid("Member", dujuan),
        "toOrganizationId": gid("Organization", to_id),
        "expectedVersion": version,
        "idempotencyKey": "dujuan-to-banan",
    }
    t = (await api.data(TRANSFER, {"in": value}, user="jiangjin_admin"))["transferMember"]
    t = t["transfer"]
    assert t["letterNumber"].startswith("转2026")
    # overdue once past its day (the letter dated back)
    await sql(api, "UPDATE member_transfer SET due_on = '2026-11-01' WHERE id = :i",
              i=int(base64.b64decode(t["id"]).decode().split(":")[1]))  # fmt: skip
    late = await api.data(
        INCOMING, {"org": gid("Organization", to_id), "overdue": True}, user="banan_admin"
    )
    assert [e["node"]["overdue"] for e in late["organization"]["transfers"]["edges"]] == [True]
    answer = {"transferId": t["id"], "expectedVersion": 1, "idempotencyKey": "banan-returns"}
    no_reason = await api.post(RETURN, {"in": answer}, user="banan_admin")
    assert no_reason["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    back = await api.data(
        RETURN, {"in": {**answer, "idempotencyKey": "banan-returns-2", "reason": "介绍信信息不全"}},
        user="banan_admin",
    )  # fmt: skip
    assert back["returnTransfer"]["transfer"]["status"] == "RETURNED"
    assert (await api.data(MEMBER, {"id": gid("Member", dujuan)}, user="jiangjin_admin"))["node"]

    # within the caller's own scope: at once (江津 → another 江津 branch)
    here_id, here_path = await branch_in(api, JIANGJIN, 3)
    now = {
        **value,
        "toOrganizationId": gid("Organization", here_id),
        "idempotencyKey": "dujuan-here",
    }
    done = (await api.data(TRANSFER, {"in": now}, user="jiangjin_admin"))["transferMember"]
    assert done["transfer"]["status"] == "ACCEPTED"
    assert (await member_named(api, "杜娟"))[1:] == (version + 1, here_path)

    # out of the city: TRANSFERRED_OUT, the archive kept, the destination as text
    out = {
        "memberId": gid("Member", dujuan),
        "destination": "四川省成都市武侯区委组织部",
        "expectedVersion": version + 1,
        "idempotencyKey": "dujuan-to-chengdu",
    }
    gone = (await api.data(TRANSFER, {"in": out}, user="jiangjin_admin"))["transferMember"]
    assert gone["transfer"]["status"] == "OUT_OF_CITY"
    row = await sql(api, "SELECT standing, standing_reason FROM member WHERE id = :m", m=dujuan)
    assert tuple(row[0]) == ("TRANSFERRED_OUT", "四川省成都市武侯区委组织部")
    again = await api.post(
        TRANSFER,
        {"in": {**out, "idempotencyKey": "dujuan-again", "expectedVersion": version + 2}},
        user="jiangjin_admin",
    )
    assert again["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    # a district's outgoing transfers, each with its member and organisations: statements
    # constant in the page size
    top = (await sql(api, "SELECT id FROM organization WHERE name = :n", n=JIANGJIN))[0][0]
    counts = []
    for first in (2, 100):
        with counting(api) as statements:
            data = await api.data(
                LISTED, {"org": gid("Organization", top), "first": first}, user="jiangjin_admin"
            )
        counts.append(len(statements))
        edges = data["organization"]["transfers"]["edges"]
        assert len(edges) == min(first, 4) and all(e["node"]["fromOrganization"] for e in edges)
    assert counts[0] == counts[1]
