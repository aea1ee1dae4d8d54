"""Member development: one applicant through all 25 steps, the rules that refuse, the board."""

import asyncio
import base64
import zlib

import pytest
from sqlalchemy import text

from datagen.people import id_card_check
from tests.conftest import Api

TAKE = """mutation($in: TakeDevelopmentStepInput!) { takeDevelopmentStep(input: $in) {
  case { id status version next { step { number level } earliestOn dueOn } } } }"""
CASE = """query($id: ID!) { node(id: $id) { ... on DevelopmentCase { status version
  timeline { step decision level actedOn } member { status joinedOn confirmedOn } } } }"""


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def sql(api: Api, statement: str, **params):
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return result.all() if result.returns_rows else []


def id_card(name: str) -> str:
    """A valid ID-card number of a woman born 1998-05-04, one per name (they are unique)."""
    first17 = f"50011619980504{2 * (zlib.crc32(name.encode()) % 500):03d}"
    return first17 + id_card_check(first17)


async def make_applicant(api: Api, name: str) -> tuple[int, str]:
    """A new applicant in 浒溪社区第一党支部 with an account of their own."""
    branch_id, path = (
        await sql(api, "SELECT id, path FROM organization WHERE name = '中共浒溪社区第一党支部'")
    )[0]
    await sql(
        api,
        """INSERT INTO member (name, gender, ethnicity, birth_date, education,
        id_card_number, phone, address, status, dues_category, org_id, org_path, floating)
        VALUES (:n, 'FEMALE', '汉族', '1998-05-04', 'BACHELOR', :c,
        '13900001111', '重庆市江津区圣泉街道浒溪社区1号', 'APPLICANT', 'EMPLOYED', :o, :p,
        'NONE')""",
        n=name,
        c=id_card(name),
        o=branch_id,
        p=path,
    )
    member = (await sql(api, "SELECT id FROM member WHERE name = :n", n=name))[0][0]
    await sql(
        api,
        "INSERT INTO account (username, member_id, display_name, active, "
        "token_version) VALUES (:u, :m, :n, :a, 1)",
        u=f"u{member}",
        m=member,
        n=name,
        a=True,
    )
    return member, f"u{member}"


TIERS = {"BRANCH": "huxi_secretary", "STREET": "shengquan_admin", "DISTRICT": "jiangjin_admin"}


class Walker:
    """Takes steps as the right tier; remembers the version."""

    def __init__(self, api: Api, case_id: str, version: int) -> None:
        self.api, self.case_id, self.version = api, case_id, version

    async def attempt(
        self, step: int, acted_on: str, user: str | None = None, decision: str = "PASS", **evidence
    ) -> dict:
        tier = next(s["level"] for s in STEPS if s["number"] == step)
        body = await self.api.post(
            TAKE,
            {
                "in": {
                    "caseId": self.case_id,
                    "step": step,
                    "decision": decision,
                    "actedOn": acted_on,
                    "expectedVersion": self.version,
                    **evidence,
                }
            },
            user=user or TIERS[tier],
        )
        if "errors" not in body:
            self.version = body["data"]["takeDevelopmentStep"]["case"]["version"]
        return body

    async def take(self, step: int, acted_on: str, **kwargs) -> dict:
        body = await self.attempt(step, acted_on, **kwargs)
        assert "errors" not in body, (step, body["errors"])
        return body["data"]["takeDevelopmentStep"]["case"]

    async def refused(
        self, step: int, acted_on: str, code: str = "BAD_USER_INPUT", **kwargs
    ) -> str:
        before = await sql(self.api, "SELECT COUNT(*) FROM development_record")
        body = await self.attempt(step, acted_on, **kwargs)
        assert body["errors"][0]["extensions"]["code"] == code, body
        assert await sql(self.api, "SELECT COUNT(*) FROM development_record") == before
        return body["errors"][0]["message"]


STEPS: list[dict] = []


@pytest.fixture(scope="module")
async def steps(writable_api: Api) -> list[dict]:
    data = await writable_api.data("{ developmentSteps { number level name } }", user="cq_admin")
    STEPS[:] = data["developmentSteps"]
    return STEPS


async def test_all_25_steps(writable_api: Api, steps: list[dict]) -> None:
    api = writable_api
    assert len(steps) == 25
    member, username = await make_applicant(api, "李思远")
    full = [
        r[0]
        for r in await sql(
            api,
            """SELECT m.id FROM member m JOIN organization o
        ON o.id = m.org_id WHERE o.name = '中共浒溪社区第一党支部' AND m.status = 'FULL'
        ORDER BY m.id LIMIT 2""",
        )
    ]
    people = [gid("Member", m) for m in full]
    opened = await api.data(
        """mutation($m: ID!) { openDevelopmentCase(input: {memberId: $m,
        appliedOn: "2023-03-01"}) { case { id version next { step { number } dueOn } } } }""",
        {"m": gid("Member", member)},
        user="huxi_secretary",
    )
    case = opened["openDevelopmentCase"]["case"]
    assert case["next"] == {"step": {"number": 2}, "dueOn": "2023-04-01"}
    w = Walker(api, case["id"], case["version"])
    assert "step 2 (党组织派人谈话) is next" in await w.refused(3, "2023-03-20")
    await w.take(2, "2023-03-20")
    ancient = await w.refused(3, "2023-04-20", noticeFrom="0001-01-01", noticeTo="2023-04-17")
    assert ancient == "a public notice must lie between 1900-01-01 and 2100-12-31"
    await w.take(3, "2023-04-20", noticeFrom="2023-04-10", noticeTo="2023-04-17")
    await w.take(4, "2023-04-25")
    await w.take(5, "2023-05-05", people=people[:1])
    assert "cannot happen before 2024-04-20" in await w.refused(6, "2024-04-01")
    await w.take(6, "2024-04-22")
    short = await w.refused(7, "2024-05-06", noticeFrom="2024-04-26", noticeTo="2024-05-01")
    assert short == "the public notice must last at least 5 working days"
    await w.take(7, "2024-05-06", noticeFrom="2024-04-22", noticeTo="2024-04-29")
    assert await w.refused(8, "2024-05-10", user="huxi_secretary", code="FORBIDDEN")
    await w.take(8, "2024-05-10")
    await w.refused(9, "2024-05-15", people=people[:1])
    await w.take(9, "2024-05-15", people=people)
    await w.take(10, "2024-06-01")
    assert "24 class hours" in await w.refused(11, "2024-06-20", classHours=16)
    await w.take(11, "2024-06-20", classHours=24)
    await w.take(12, "2024-07-01")
    returned = await w.take(13, "2024-07-08", decision="RETURN", notes="政审材料不全")
    assert returned["next"]["step"]["number"] == 12
    await w.take(12, "2024-07-09")
    await w.take(13, "2024-07-10")
    await w.take(14, "2024-07-15")
    votes = {"noticeFrom": "2024-07-22", "noticeTo": "2024-07-29", "votesDue": 20}
    assert "quorum not reached" in await w.refused(
        15, "2024-08-01", votesPresent=10, votesYes=10, **votes
    )
    assert "did not pass" in await w.refused(
        15, "2024-08-01", votesPresent=15, votesYes=10, **votes
    )
    await w.take(15, "2024-08-01", votesPresent=15, votesYes=14, **votes)
    await w.take(16, "2024-08-10")
    await w.take(17, "2024-09-01")
    mid = (await api.data(CASE, {"id": case["id"]}, user=username))["node"]["member"]
    assert mid == {"status": "PROBATIONARY", "joinedOn": "2024-08-01", "confirmedOn": None}
    assert await w.refused(18, "2024-09-10", user="shengquan_admin", code="FORBIDDEN")
    await w.take(18, "2024-09-10")
    await w.take(19, "2024-09-15")
    await w.take(20, "2024-10-01")
    await w.take(21, "2025-03-01")
    assert "cannot happen before 2025-08-01" in await w.refused(22, "2025-07-01")
    await w.take(22, "2025-08-05")
    await w.take(
        23,
        "2025-08-20",
        noticeFrom="2025-08-11",
        noticeTo="2025-08-18",
        votesDue=20,
        votesPresent=18,
        votesYes=18,
    )
    await w.take(24, "2025-09-10")
    done = await w.take(25, "2025-09-15")
    assert done["status"] == "DONE" and done["next"] is None
    final = (await api.data(CASE, {"id": case["id"]}, user=username))["node"]
    assert final["member"] == {
        "status": "FULL",
        "joinedOn": "2024-08-01",
        "confirmedOn": "2025-08-01",
    }
    assert [t["step"] for t in final["timeline"]] == [*range(1, 14), 12, 13, *range(14, 26)]
    assert {t["level"] for t in final["timeline"]} == {"BRANCH", "STREET", "DISTRICT"}


async def test_two_reviewers_one_version(writable_api: Api, steps: list[dict]) -> None:
    api = writable_api
    member, _ = await make_applicant(api, "王晓岚")
    street = (await sql(api, "SELECT id FROM organization WHERE name = '中共圣泉街道党工委'"))[0][0]
    await sql(
        api,
        "INSERT INTO account (username, display_name, active, token_version) VALUES "
        "('shengquan_deputy', '圣泉街道党工委副书记', :a, 1)",
        a=True,
    )
    await sql(
        api,
        "INSERT INTO role_grant (account_id, role, org_id) SELECT id, "
        "'street_admin', :o FROM account WHERE username = 'shengquan_deputy'",
        o=street,
    )
    opened = await api.data(
        """mutation($m: ID!) { openDevelopmentCase(input: {memberId: $m,
        appliedOn: "2025-01-06"}) { case { id version } } }""",
        {"m": gid("Member", member)},
        user="huxi_secretary",
    )
    case = opened["openDevelopmentCase"]["case"]
    w = Walker(api, case["id"], case["version"])
    await w.take(2, "2025-01-20")
    await w.take(3, "2025-02-10", noticeFrom="2025-01-27", noticeTo="2025-02-03")
    a, b = Walker(api, case["id"], w.version), Walker(api, case["id"], w.version)
    first, second = await asyncio.gather(
        a.attempt(4, "2025-02-12", user="shengquan_admin"),
        b.attempt(4, "2025-02-12", user="shengquan_deputy"),
    )
    outcomes = sorted("errors" in body for body in (first, second))
    assert outcomes == [False, True]
    loser = first if "errors" in first else second
    assert loser["errors"][0]["extensions"]["code"] == "CONFLICT"
    records = await sql(
        api,
        "SELECT COUNT(*) FROM development_record WHERE case_id = :c AND step = 4",
        c=int(base64.b64decode(case["id"]).decode().split(":")[1]),
    )
    assert records[0][0] == 1


async def test_board_is_scoped(writable_api: Api) -> None:
    api = writable_api
    path = (await sql(api, "SELECT path FROM organization WHERE name = '中共圣泉街道党工委'"))[0][0]
    expected = (
        await sql(
            api,
            """SELECT COUNT(*) FROM development_case WHERE status = 'OPEN'
        AND org_path >= :a AND org_path < :z""",
            a=path,
            z=path[:-1] + "0",
        )
    )[0][0]
    data = await api.data("""{ viewer { grants { scope { id } } } }""", user="shengquan_admin")
    street = data["viewer"]["grants"][0]["scope"]["id"]
    board = await api.data(
        """query($id: ID!) { organization(id: $id) { developmentBoard {
        openCases overdueSteps overdueRate waitingForMe byStage { key count } } } }""",
        {"id": street},
        user="shengquan_admin",
    )
    b = board["organization"]["developmentBoard"]
    assert b["openCases"] == expected > 0
    assert sum(s["count"] for s in b["byStage"]) == expected
    assert b["overdueRate"] == round(b["overdueSteps"] / expected, 4)
    waiting = (
        await sql(
            api,
            """SELECT COUNT(*) FROM development_case WHERE status = 'OPEN'
        AND next_level = 'STREET' AND org_path >= :a AND org_path < :z""",
            a=path,
            z=path[:-1] + "0",
        )
    )[0][0]
    assert b["waitingForMe"] == waiting
    cases = await api.data(
        """{ organizations(level: DISTRICT) { edges { node {
        developmentBoard { openCases } } } } }""",
        user="shengquan_admin",
    )
    assert cases["organizations"]["edges"] == []  # the district is above its scope


async def test_member_sees_only_their_own_case(writable_api: Api) -> None:
    api = writable_api
    member, username = await make_applicant(api, "赵一鸣")
    await api.data(
        """mutation($m: ID!) { openDevelopmentCase(input: {memberId: $m,
        appliedOn: "2026-11-02"}) { case { id } } }""",
        {"m": gid("Member", member)},
        user="huxi_secretary",
    )
    mine = await api.data(
        "{ viewer { member { developmentCase { status next { step { number } } } } } }",
        user=username,
    )
    assert mine["viewer"]["member"]["developmentCase"] == {
        "status": "OPEN",
        "next": {"step": {"number": 2}},
    }
    other = (
        await sql(api, "SELECT id FROM development_case WHERE member_id <> :m LIMIT 1", m=member)
    )[0][0]
    hidden = await api.post(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("DevelopmentCase", other)},
        user=username,
    )
    assert hidden == {"data": {"node": None}}
