"""Client conventions (Relay, Apollo): one id one type, every id found by `node`, paging both
ways with cursors bound to their list and order."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Api

USERS = ["cq_admin", "jiangjin_admin", "huxi_secretary", "ouli", "chenjia", "jiangjin_auditor"]
N = "__typename id"  # what every object with an id is asked for
CHECK_IN = f"""{N} community {{ {N} organization {{ {N} }} }} employer {{ {N} }} grid {{ {N} }}
    volunteerPosts {{ grid {{ {N} }} }} member {{ {N} }}
    services(first: 3) {{ edges {{ node {{ {N} community {{ {N} }} member {{ {N} }} }} }} }}"""
BROAD = [
    f"""{{ viewer {{ {N} member {{ {N} checkIns {{ {CHECK_IN} }}
          duesLedger {{ months {{ payment {{ {N} member {{ {N} }} }} }} }} }}
        grants {{ {N} scope {{ {N} organization {{ {N} }} }} }} }}
      members(first: 40) {{ edges {{ node {{ {N} organization {{ {N} }} employer {{ {N} }}
        residentialCommunity {{ {N} }} developmentCase {{ {N} }} }} }} }} }}""",
    f"""{{ organizations(first: 25) {{ edges {{ node {{ {N} parent {{ {N} }}
        ancestors {{ {N} }} serviceTeams {{ {N} community {{ {N} }} leader {{ {N} }} }}
        duesPublication(first: 3) {{ edges {{ node {{ organization {{ {N} }} }} }} }}
        developmentCases(first: 3) {{ edges {{ node {{ {N} member {{ {N} }} }} }} }} }} }} }} }}""",
    f"""{{ organizations(level: COMMUNITY, first: 8) {{ edges {{ node {{ {N}
        checkIns(first: 6) {{ edges {{ node {{ {CHECK_IN} }} }} }}
        staffCheckIns(first: 4) {{ edges {{ node {{ {CHECK_IN} }} }} }} }} }} }} }}""",
    f"""{{ auditLog(first: 50) {{ edges {{ node {{ {N} targetNode {{ {N} }} }} }} }} }}""",
]


def objects(value: Any) -> Iterator[tuple[str, str]]:
    """(id, __typename) of every object in a response."""
    if isinstance(value, dict):
        if "id" in value and "__typename" in value:
            yield value["id"], value["__typename"]
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


async def seen(api: Api, user: str) -> dict[str, set[str]]:
    """Every id the broad queries show `user`, with the type names it came under."""
    types: dict[str, set[str]] = {}
    for query in BROAD:
        body = await api.post(query, user=user)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes <= {"FORBIDDEN"}, body["errors"]  # the audit log is for some roles only
        for gid, typename in objects(body.get("data")):
            types.setdefault(gid, set()).add(typename)
    return types


@pytest.mark.parametrize("user", USERS)
async def test_no_id_under_two_types(api: Api, user: str) -> None:
    types = await seen(api, user)
    assert {"Breadcrumb", "Member", "Viewer", "Grant"} <= set().union(*types.values())
    shared = {gid: names for gid, names in types.items() if len(names) > 1}
    assert not shared


@pytest.mark.parametrize("user", USERS)
async def test_node_finds_every_id_seen_as_its_type(api: Api, user: str) -> None:
    types = await seen(api, user)
    ids = sorted(types)
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        data = await api.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": chunk}, user=user
        )
        for gid, node in zip(chunk, data["nodes"], strict=True):
            assert node == {"__typename": next(iter(types[gid])), "id": gid}


async def test_viewer_and_breadcrumb_nodes_keep_to_their_owner(api: Api) -> None:
    query = """{ viewer { id grants { scope { id name organization { id } } } } }"""
    mine = (await api.data(query, user="ouli"))["viewer"]
    other = (await api.data(query, user="cq_admin"))["viewer"]
    look = "query($id: ID!) { node(id: $id) { __typename id } }"
    assert (await api.data(look, {"id": mine["id"]}, user="ouli"))["node"]["id"] == mine["id"]
    assert (await api.data(look, {"id": mine["id"]}, user="cq_admin"))["node"] is None
    assert (await api.data(look, {"id": other["id"]}, user="ouli"))["node"] is None
    # the city's breadcrumb: on cq_admin's trail, a breadcrumb for ouli only as an ancestor
    city = other["grants"][0]["scope"]
    assert city["organization"]["id"] != city["id"]
    as_org = await api.data(
        "query($id: ID!) { organization(id: $id) { id } }", {"id": city["id"]}, user="cq_admin"
    )
    assert as_org["organization"]["id"] == city["organization"]["id"]  # as clients passed it


async def test_a_grant_is_a_node_of_its_holder_and_its_administrators(api: Api) -> None:
    """Its holder's, and of those who administer accounts over its organisation (who may
    revoke it): the district and the street above 浒溪; nobody else."""
    look = "query($id: ID!) { node(id: $id) { __typename id } }"
    grant = await api.data("{ viewer { grants { id role } } }", user="huxi_secretary")
    gid = grant["viewer"]["grants"][0]["id"]
    for user in ("huxi_secretary", "cq_admin", "jiangjin_admin", "shengquan_admin"):
        found = await api.data(look, {"id": gid}, user=user)
        assert found["node"] == {"__typename": "Grant", "id": gid}, user
    for user in ("banan_admin", "qnt_grid1_secretary", "ouli"):
        assert (await api.data(look, {"id": gid}, user=user))["node"] is None, user


async def test_links_beside_bare_ids(api: Api) -> None:
    data = await api.data(
        """{ viewer { member { duesLedger { months { paymentId payment { id } } } } } }""",
        user="ouli",
    )
    months = data["viewer"]["member"]["duesLedger"]["months"]
    assert any(m["paymentId"] for m in months)
    for m in months:
        assert (m["payment"] or {}).get("id") == m["paymentId"]


# ---- paging both ways ------------------------------------------------------------------

PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { %s } }"
ARGS = "first: $first, after: $after, last: $last, before: $before"
VARS = "$first: Int, $after: String, $last: Int, $before: String"


def under(search: str, level: str, field: str) -> str:
    """`field` of the first organisation found by name and level."""
    return f"""organizations(search: "{search}", level: {level}, first: 1) {{ edges {{ node {{
        {field} }} }} }}"""


def community(field: str) -> str:
    return under("浒溪", "COMMUNITY", field)


def district(field: str) -> str:
    return under("江津区委", "DISTRICT", field)


CONNECTIONS = {
    "Query.organizations": ("organizations(level: BRANCH, %s) { %s }", "id"),
    "Query.members": ("members(under: null, %s) { %s }", "id"),
    "Query.members by name": ("members(orderBy: {field: NAME, direction: DESC}, %s) { %s }", "id"),
    "Organization.children": (district("conn: children(%s) { %s }"), "id"),
    "Organization.members": (district("conn: members(%s) { %s }"), "id"),
    "Organization.checkIns": (community("conn: checkIns(%s) { %s }"), "id"),
    "Organization.staffCheckIns": (district("conn: staffCheckIns(%s) { %s }"), "id"),
    "CheckIn.services": (
        community("checkIns(first: 1) { edges { node { conn: services(%s) { %s } } } }"),
        "id",
    ),
    "Organization.duesArrears": (
        district('conn: duesArrears(month: "2026-09", minMonths: 1, %s) { %s }'),
        "months member { id }",
    ),
    "Organization.duesPublication": (
        district("conn: duesPublication(%s) { %s }"),
        "organization { id }",
    ),
    "Organization.developmentCases": (district("conn: developmentCases(%s) { %s }"), "id"),
}


def connection_in(data: Any) -> dict:
    """The connection under test: the field aliased `conn`, else the root field."""
    if isinstance(data, dict):
        if "conn" in data:
            return data["conn"]
        for value in data.values():
            found = connection_in(value)
            if found:
                return found
        if "pageInfo" in data:
            return data
    if isinstance(data, list):
        for value in data:
            found = connection_in(value)
            if found:
                return found
    return {}


async def page(api: Api, name: str, **window: Any) -> dict:
    template, node = CONNECTIONS[name]
    query = f"query({VARS}) {{ {template % (ARGS, PAGE % node)} }}"
    return connection_in(await api.data(query, window, user="jiangjin_admin"))


@pytest.mark.parametrize("name", list(CONNECTIONS))
async def test_every_connection_pages_backward(api: Api, name: str) -> None:
    forward = await page(api, name, first=12)
    edges = forward["edges"]
    assert len(edges) >= 5, name  # enough demo data to page over
    # backward from the last edge, three at a time, to the start of the list
    back: list[dict] = []
    before = edges[-1]["cursor"]
    while True:
        part = await page(api, name, last=3, before=before)
        assert part["pageInfo"]["hasNextPage"]  # the `before` edge follows
        back = part["edges"] + back
        if not part["pageInfo"]["hasPreviousPage"]:
            break
        before = part["pageInfo"]["startCursor"]
    assert back == edges[:-1]
    # both cursors: the items between them, from either end
    between = {"after": edges[0]["cursor"], "before": edges[4]["cursor"]}
    head = await page(api, name, first=2, **between)
    assert head["edges"] == edges[1:3]
    assert head["pageInfo"]["hasNextPage"] and head["pageInfo"]["hasPreviousPage"]
    tail = await page(api, name, last=2, **between)
    assert tail["edges"] == edges[2:4]
    assert tail["pageInfo"]["hasNextPage"] and tail["pageInfo"]["hasPreviousPage"]
    # `last` alone: the end of the list, which `first` walks up to with nothing after it
    end = await page(api, name, last=2)
    assert not end["pageInfo"]["hasNextPage"]
    after_end = await page(api, name, first=5, after=end["pageInfo"]["endCursor"])
    assert after_end["edges"] == [] and not after_end["pageInfo"]["hasNextPage"]


async def first_error(api: Api, query: str, variables: dict | None = None) -> dict:
    body = await api.post(query, variables, user="cq_admin")
    assert body.get("data") is None or not any(body["data"].values()), body
    return body["errors"][0]


async def test_a_cursor_only_serves_its_own_list_and_order(api: Api) -> None:
    by_name = await api.data(
        "{ members(orderBy: {field: NAME}, first: 2) { pageInfo { endCursor } } }", user="cq_admin"
    )
    cursor = by_name["members"]["pageInfo"]["endCursor"]
    orgs = await api.data("{ organizations(first: 2) { pageInfo { endCursor } } }", user="cq_admin")
    elsewhere = orgs["organizations"]["pageInfo"]["endCursor"]
    for query, given in (
        ("query($c: String) { members(after: $c) { totalCount } }", cursor),
        ("query($c: String) { members(before: $c, last: 2) { totalCount } }", cursor),
        (
            "query($c: String) { members(orderBy: {field: NAME, direction: DESC}, after: $c) "
            "{ totalCount } }",
            cursor,
        ),
        ("query($c: String) { members(after: $c) { totalCount } }", elsewhere),
        (
            'query($c: String) { organizations(search: "江津区委", first: 1) { edges { node { '
            "members(after: $c) { totalCount } } } } }",
            cursor,
        ),
    ):
        error = await first_error(api, query, {"c": given})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "another list or order" in error["message"]


async def test_page_sizes_keep_their_caps(api: Api) -> None:
    for args in ("last: 101", "last: -1", "first: 2, last: 2"):
        error = await first_error(api, f"{{ members({args}) {{ totalCount }} }}")
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    # the node budget counts `last` as it counts `first`
    error = await first_error(
        api,
        "{ organizations(last: 100) { edges { node { children(last: 100) { edges { node { "
        "members(last: 100) { totalCount } } } } } } } }",
    )
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


# ---- errors before execution -------------------------------------------------------------


async def post(api: Api, body: dict, accept: str = "application/json") -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {api.token('cq_admin')}", "Accept": accept}
    response = await api.client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"query": "{ viewer { username "}, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED", "Cannot query field"),
        (
            {
                "query": "mutation($i: ReviewServiceInput!) { reviewService(input: $i) "
                "{ serviceRecord { id } } }",
                "variables": {"i": {"approve": True}},
            },
            "BAD_USER_INPUT",
            'found: {"approve": true}.',
        ),
        (
            {
                "query": "query($n: Int) { members(first: $n) { totalCount } }",
                "variables": {"n": "x"},
            },
            "BAD_USER_INPUT",
            'non-integer value: "x"',
        ),
        (
            {"query": "query($n: Int!) { members(first: $n) { totalCount } }"},
            "BAD_USER_INPUT",
            "to be provided",
        ),
        (
            {"query": "query A { viewer { username } } query B { viewer { displayName } }"},
            "BAD_REQUEST",
            "Must provide operation name if query contains multiple operations.",
        ),
    ],
)
async def test_request_errors_carry_codes(api: Api, body: dict, code: str, message: str) -> None:
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        got, answer = await post(api, body, accept)
        assert got == status and "data" not in answer, answer
        [error] = answer["errors"]
        assert error["extensions"]["code"] == code and message in error["message"], error
        assert "True" not in error["message"] and "'x'" not in error["message"]


async def test_a_named_operation_of_several_runs(api: Api) -> None:
    document = "query A { viewer { username } } query B { viewer { displayName } }"
    status, answer = await post(api, {"query": document, "operationName": "B"})
    assert status == 200 and "errors" not in answer
    assert list(answer["data"]["viewer"]) == ["displayName"]
