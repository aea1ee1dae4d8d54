"""The member archive: addMember with the ID-card number checked (GB 11643 check character,
birth date, gender parity, unique in the city), updateMember by version with masked audit,
and leaving the roll (death, 停止党籍, 出党): out of every active count, the archive kept."""

import base64
import json

import pytest
from sqlalchemy import text

from domain.errors import RuleViolation
from domain.member import Facts, check_new, id_card_check, id_card_problems
from models import AdditionMethod, Gender, MemberStatus
from tests.conftest import NOW, Api

TODAY = NOW.date()
BRANCH = "中共江津区政务服务管理办公室党支部"
ADD = """mutation($in: AddMemberInput!) { addMember(input: $in) {
  member { id name version standing addedHow idCardNumber organization { name } } } }"""
UPDATE = """mutation($in: UpdateMemberInput!) { updateMember(input: $in) {
  member { version phone education partyPost } } }"""
STANDING = """mutation($in: ChangeMemberStandingInput!) { changeMemberStanding(input: $in) {
  member { version standing standingOn standingReason } } }"""
COUNTS = """query($org: ID!) { organization(id: $org) { memberCount
  members(first: 100) { totalCount } stats { byStatus { key count } } } }"""
LISTED = """query($name: String, $standing: [Standing!]) {
  members(filter: {name: $name, standing: $standing}) {
    totalCount edges { node { standing } } } }"""


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def card(birth: str, order: int, area: str = "500116") -> str:
    first17 = f"{area}{birth}{order:03d}"
    return first17 + id_card_check(first17)


async def sql(api: Api, statement: str, **params) -> list:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


def test_id_card_rules() -> None:
    import datetime as dt

    good = card("19900312", 123)  # odd: a man
    assert id_card_problems(good, dt.date(1990, 3, 12), Gender.MALE) == []
    broken = good[:17] + ("0" if good[17] != "0" else "1")
    assert "check character" in id_card_problems(broken, None, None)[0]
    assert any("birth date" in p for p in id_card_problems(good, dt.date(1990, 3, 13), None))
    assert any("gender" in p for p in id_card_problems(good, None, Gender.FEMALE))
    assert "18 characters" in id_card_problems("50011619900312", None, None)[0]
    facts = Facts(
        name="张三", gender=Gender.MALE, ethnicity="汉族", birth_date=dt.date(1990, 3, 12),
        id_card_number=good, phone="13800001234", address="重庆市江津区几江街道1号",
        status=MemberStatus.FULL, added_how=AdditionMethod.TRANSFERRED_IN,
        joined_on=dt.date(2015, 7, 1), confirmed_on=None,
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="confirmedOn"):
        check_new(facts, TODAY)


async def test_add_update_and_leave(writable_api: Api) -> None:
    api = writable_api
    org = (await sql(api, "SELECT id FROM organization WHERE name = :n", n=BRANCH))[0][0]
    before = (await api.data(COUNTS, {"org": gid("Organization", org)}, user="jiangjin_admin"))[
        "organization"
    ]
    value = {
        "organizationId": gid("Organization", org),
        "name": "谭晓梅",
        "gender": "FEMALE",
        "ethnicity": "土家族",
        "birthDate": "1992-04-18",
        "idCardNumber": card("19920418", 246),
        "phone": "13983001234",
        "address": "重庆市江津区几江街道艾坪山路8号",
        "education": "BACHELOR",
        "status": "FULL",
        "duesCategory": "EMPLOYED",
        "addedHow": "TRANSFERRED_IN",
        "joinedOn": "2016-06-20",
        "confirmedOn": "2017-06-20",
    }
    # a district outside 巴南's scope: refused like a missing organisation
    other = await api.post(ADD, {"in": value}, user="banan_admin")
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    wrong = await api.post(ADD, {"in": {**value, "birthDate": "1992-04-19"}}, user="jiangjin_admin")
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "birth date" in wrong["errors"][0]["message"]
    man = await api.post(ADD, {"in": {**value, "gender": "MALE"}}, user="jiangjin_admin")
    assert "gender" in man["errors"][0]["message"]

    added = (await api.data(ADD, {"in": value}, user="jiangjin_admin"))["addMember"]["member"]
    assert added["standing"] == "ACTIVE" and added["addedHow"] == "TRANSFERRED_IN"
    assert added["version"] == 1 and added["idCardNumber"] == value["idCardNumber"]
    twice = await api.post(ADD, {"in": {**value, "name": "谭小梅"}}, user="jiangjin_admin")
    assert twice["errors"][0]["extensions"]["code"] == "CONFLICT"
    after = (await api.data(COUNTS, {"org": gid("Organization", org)}, user="jiangjin_admin"))[
        "organization"
    ]
    assert after["memberCount"] == before["memberCount"] + 1
    # PII of the trail is masked before and after
    trail = await sql(
        api, "SELECT after FROM audit_log WHERE operation = 'addMember' AND success ORDER BY id"
    )
    stored = json.loads(trail[-1][0])
    assert stored["id_card_number"] == "500***************" and stored["name"] == "谭晓梅"

    member = added["id"]
    change = {"memberId": member, "expectedVersion": 1, "phone": "13983005678",
              "partyPost": "GROUP_LEADER"}  # fmt: skip
    updated = (await api.data(UPDATE, {"in": change}, user="jiangjin_admin"))["updateMember"]
    assert updated["member"] == {
        "version": 2, "phone": "13983005678", "education": "BACHELOR", "partyPost": "GROUP_LEADER"
    }  # fmt: skip
    stale = await api.post(UPDATE, {"in": change}, user="jiangjin_admin")
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    audit = await sql(
        api,
        "SELECT before, after FROM audit_log WHERE operation = 'updateMember' AND success",
    )
    assert json.loads(audit[-1][0])["phone"] == "*******1234"
    assert json.loads(audit[-1][1])["phone"] == "*******5678"

    # 出党 needs a reason; then she leaves every active count, the archive stays
    leave = {"memberId": member, "standing": "EXPELLED", "on": "2026-11-20", "expectedVersion": 2}
    no_reason = await api.post(STANDING, {"in": leave}, user="jiangjin_admin")
    assert no_reason["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    left = await api.data(STANDING, {"in": {**leave, "reason": "严重违纪"}}, user="jiangjin_admin")
    assert left["changeMemberStanding"]["member"] == {
        "version": 3, "standing": "EXPELLED", "standingOn": "2026-11-20",
        "standingReason": "严重违纪",
    }  # fmt: skip
    now = (await api.data(COUNTS, {"org": gid("Organization", org)}, user="jiangjin_admin"))[
        "organization"
    ]
    assert now["memberCount"] == before["memberCount"]
    assert now["members"]["totalCount"] == before["members"]["totalCount"]
    assert now["stats"] == before["stats"]
    default = await api.data(LISTED, {"name": "谭晓梅"}, user="jiangjin_admin")
    assert default["members"]["totalCount"] == 0
    archived = await api.data(
        LISTED, {"name": "谭晓梅", "standing": ["EXPELLED"]}, user="jiangjin_admin"
    )
    assert archived["members"]["edges"] == [{"node": {"standing": "EXPELLED"}}]
    # no more edits of a member off the roll
    late = await api.post(
        UPDATE, {"in": {"memberId": member, "expectedVersion": 3, "phone": "13983009999"}},
        user="jiangjin_admin",
    )  # fmt: skip
    assert late["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_seeded_numbers_are_unique(writable_api: Api) -> None:
    """The unique index holds on the demo data (datagen skips an issued number)."""
    dupes = await sql(
        writable_api,
        "SELECT id_card_number FROM member GROUP BY id_card_number HAVING count(*) > 1",
    )
    assert dupes == []
