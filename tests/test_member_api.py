"""The member directory over HTTP, per demo account, against an independent tree walk."""

import base64
import json
from collections import Counter

import pytest

from datagen.anchors import ACCOUNTS
from models import Member
from schema import build_schema
from schema.member import FIELD_COLUMNS
from tests.conftest import Api
from tests.oracle import ADMIN_ROLES, TreeOracle
from tests.test_statement_count import counting

PAGE = """query($after: String, $filter: MemberFilter) {
  members(first: 100, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } }"""


def pk(gid: str) -> int:
    return int(base64.b64decode(gid).decode().split(":")[1])


async def all_member_ids(
    api: Api, user: str, member_filter: dict | None = None
) -> tuple[set[int], int]:
    ids: list[int] = []
    after = None
    while True:
        data = await api.data(PAGE, {"after": after, "filter": member_filter}, user=user)
        conn = data["members"]
        ids += [pk(e["node"]["id"]) for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(ids) == len(set(ids)), "pages overlap"
    return set(ids), conn["totalCount"]


@pytest.mark.parametrize("user", [a[0] for a in ACCOUNTS])
async def test_members_list_equals_tree_walk(api: Api, user: str) -> None:
    oracle = await TreeOracle.load(api.engine)
    grants, me = await oracle.grants(api.engine, user)
    expected = oracle.visible_members(grants, me, ADMIN_ROLES)
    ids, total = await all_member_ids(api, user)
    assert ids == expected
    assert total == len(expected)


async def test_status_filter_counts(api: Api) -> None:
    oracle = await TreeOracle.load(api.engine)
    grants, me = await oracle.grants(api.engine, "shengquan_admin")
    visible = oracle.visible_members(grants, me, ADMIN_ROLES)
    ids, total = await all_member_ids(
        api, "shengquan_admin", {"status": ["PROBATIONARY", "CANDIDATE"]}
    )
    expected = {m for m in visible if oracle.statuses[m] in ("PROBATIONARY", "CANDIDATE")}
    assert ids == expected and total == len(expected)


async def test_ouli_sees_only_herself_in_clear(api: Api) -> None:
    data = await api.data(
        """{ viewer { member { name idCardNumber phone } }
        members { totalCount edges { node { name idCardNumber organization { name } } } } }""",
        user="ouli",
    )
    assert data["members"]["totalCount"] == 1
    node = data["members"]["edges"][0]["node"]
    assert node["name"] == "欧丽" and "*" not in node["idCardNumber"]
    assert node["organization"] is None  # her branch is not hers to browse
    assert data["viewer"]["member"]["name"] == "欧丽"


MEMBER_BY_NAME = """query($name: String) { members(filter: {name: $name}) {
    edges { node { id name idCardNumber phone address birthDate birthYear } } } }"""


async def test_auditor_sees_masked_pii_admin_in_clear(api: Api) -> None:
    audited = await api.data(MEMBER_BY_NAME, {"name": "杜娟"}, user="jiangjin_auditor")
    clear = await api.data(MEMBER_BY_NAME, {"name": "杜娟"}, user="jiangjin_admin")
    masked = audited["members"]["edges"][0]["node"]
    shown = clear["members"]["edges"][0]["node"]
    assert masked["id"] == shown["id"]
    assert masked["idCardNumber"] == shown["idCardNumber"][:3] + "*" * 15
    assert masked["phone"] == "*" * 7 + shown["phone"][-4:]
    assert masked["address"].endswith("****") and "*" not in shown["address"]
    assert shown["birthDate"] == "1984-11-26" and masked["birthDate"] is None
    assert masked["birthYear"] == shown["birthYear"] == 1984


async def test_out_of_scope_member_is_null_like_a_missing_one(api: Api) -> None:
    ouli = await api.data(MEMBER_BY_NAME, {"name": "欧丽"}, user="jiangjin_admin")
    ouli_id = ouli["members"]["edges"][0]["node"]["id"]
    missing = base64.b64encode(b"Member:987654321").decode()
    query = "query($id: ID!) { node(id: $id) { id ... on Member { name } } }"
    seen = await api.post(query, {"id": ouli_id}, user="jiangjin_admin")
    hidden = await api.post(query, {"id": ouli_id}, user="banan_admin")
    absent = await api.post(query, {"id": missing}, user="banan_admin")
    assert seen["data"]["node"]["name"] == "欧丽"
    assert hidden == absent == {"data": {"node": None}}


async def test_filters_and_sorting(api: Api) -> None:
    """Ages and the birth-date order go by the year of birth (a finer one tells birthdays)."""
    data = await api.data(
        """{ members(first: 100, orderBy: {field: BIRTH_DATE, direction: DESC},
          filter: {ageMin: 30, ageMax: 39, gender: FEMALE}) {
          edges { cursor node { id birthYear gender } } } }""",
        user="jiangjin_admin",
    )
    edges = data["members"]["edges"]
    nodes = [e["node"] for e in edges]
    assert nodes, "some women in their thirties in 江津区"
    order = [(n["birthYear"], pk(n["id"])) for n in nodes]
    assert order == sorted(order, reverse=True)
    assert {n["birthYear"] for n in nodes} <= set(range(2026 - 39, 2026 - 30 + 1))
    assert Counter(n["gender"] for n in nodes) == {"FEMALE": len(nodes)}
    cursor = json.loads(base64.urlsafe_b64decode(edges[0]["cursor"]))
    # the list, the order by year, and the year alone: no birthday travels in a cursor
    assert cursor == ["Query.members", "birth_year desc", nodes[0]["birthYear"], pk(nodes[0]["id"])]


async def test_name_sort_pages_are_contiguous(api: Api) -> None:
    query = """query($after: String) { members(first: 37, after: $after,
        orderBy: {field: NAME}) {
          pageInfo { hasNextPage endCursor } edges { node { id name } } } }"""
    names, after = [], None
    while True:
        conn = (await api.data(query, {"after": after}, user="shengquan_admin"))["members"]
        names += [(e["node"]["name"], pk(e["node"]["id"])) for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(names) == len(set(names))
    # the database's collation decides the order; pages must follow it without gaps
    reference = (
        await api.data(
            """{ members(first: 100, orderBy: {field: NAME}) {
        totalCount } }""",
            user="shengquan_admin",
        )
    )["members"]["totalCount"]
    assert len(names) == reference


@pytest.mark.parametrize(
    "args, message",
    [
        ("first: 101", "first must be between 0 and 100"),
        ("first: -1", "first must be between 0 and 100"),
        ('after: "not-a-cursor"', "malformed cursor"),
        ("filter: {ageMin: 50, ageMax: 40}", "ageMin must not exceed ageMax"),
    ],
)
async def test_bad_arguments_are_client_errors(api: Api, args: str, message: str) -> None:
    body = await api.post(f"{{ members({args}) {{ totalCount }} }}", user="jiangjin_admin")
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_every_member_field_names_the_columns_it_reads() -> None:
    member = build_schema()._schema.type_map["Member"]
    assert FIELD_COLUMNS.keys() == {*member.fields, "__typename"}
    table = {c.key for c in Member.__table__.c}
    assert {c for cols in FIELD_COLUMNS.values() for c in cols} <= table


ALL_FIELDS = """id __typename name gender ethnicity birthDate education idCardNumber phone
  address status duesCategory partyPost appliedOn joinedOn confirmedOn floating lostContact
  standing standingOn standingReason addedHow version
  organization { name } employer { name } residentialCommunity { name }"""
DIRECTORY = """query($after: String) { members(first: 40, after: $after, orderBy: {field: %s}) {
  pageInfo { endCursor } edges { cursor node { id ...M } } } } fragment M on Member { %s }"""
BY_ID = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { %s } } }"


@pytest.mark.parametrize("user", ["jiangjin_admin", "jiangjin_auditor"])
@pytest.mark.parametrize(
    ("order", "fields"),
    [("TREE", ALL_FIELDS), ("NAME", "phone a: address"), ("BIRTH_DATE", "organization { id }")],
)
async def test_directory_pages_read_what_their_fields_need(
    api: Api, user: str, order: str, fields: str
) -> None:
    """A page reads only the columns its fields need, yet equals the full-row lookups of the
    same members, masking and second pages (cursors from the sort key) included."""
    query = DIRECTORY % (order, fields)
    with counting(api) as statements:
        first = await api.data(query, user=user)
    page = [s for s in statements if "FROM member" in s and "LIMIT" in s]
    assert page and ("NULL AS" in page[0]) == (fields != ALL_FIELDS)
    after = first["members"]["pageInfo"]["endCursor"]
    second = await api.data(query, {"after": after}, user=user)
    for data in (first, second):
        nodes = [e["node"] for e in data["members"]["edges"]]
        full = await api.data(BY_ID % fields, {"ids": [n["id"] for n in nodes]}, user=user)
        assert nodes == full["nodes"]


async def test_a_page_selected_twice_reads_the_columns_of_both_selections(api: Api) -> None:
    """Fragments that each select `members` merge into one field: its page must read the
    columns of every part, here the one asking only for ids and the other for names."""
    query = """{ ...Ids ...Names }
      fragment Ids on Query { members(first: 5) { edges { node { id } } } }
      fragment Names on Query { members(first: 5) { edges { node { name phone
        organization { name } } } } }"""
    data = await api.data(query, user="jiangjin_admin")
    nodes = [e["node"] for e in data["members"]["edges"]]
    assert nodes and all(n["name"] and n["phone"] and n["organization"]["name"] for n in nodes)
