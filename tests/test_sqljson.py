"""The members connection answered from one statement that builds its JSON (`resolvers/
sqljson.py`) against the general path: the same bytes, errors included, for every saved query
and a generated set of member pages (field subsets, aliases, windows, filters, orders, every
demo role, masked callers, an organisation out of scope), on both databases."""

import dataclasses
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from datagen.anchors import ACCOUNTS
from resolvers import sqljson
from server.db import SQLITE_FUNCTIONS
from server.direct import DirectRoute
from server.settings import Settings
from tests.conftest import Api, api_over
from tests.test_saved_queries import gid
from tests.test_statement_count import counting

USERS = [a[0] for a in ACCOUNTS]
QUERIES = Path(__file__).resolve().parents[1] / "queries"
MEMBER = [
    *("id", "name", "gender", "ethnicity", "birthDate", "birthYear", "education"),
    *("idCardNumber", "phone", "address", "status", "duesCategory", "partyPost", "appliedOn"),
    *("joinedOn", "confirmedOn", "floating", "standing", "standingOn", "standingReason"),
    *("addedHow", "version", "__typename"),
]
ORG = "id __typename name code level orgType branchKind depth establishedOn dissolvedOn version"


@pytest.fixture(scope="module")
async def both(db, settings: Settings) -> AsyncIterator[tuple[Api, Api]]:
    """The same database served with the compiler on and off."""
    off = dataclasses.replace(settings, sql_json=False)
    async with api_over(db, settings) as on, api_over(db, off) as general:
        yield on, general


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each page asked of the compiler was answered by it (else the comparisons
    would pass with both servers on the general path)."""
    answered: list[bool] = []
    real = sqljson.page_json

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = await real(*args, **kwargs)
        answered.append(result is not None)
        return result

    monkeypatch.setattr(sqljson, "page_json", spy)
    return answered


async def same(apis: tuple[Api, Api], query: str, variables: dict, user: str) -> bytes:
    """Both answers, compared byte for byte; the answer."""
    on, general = apis
    answers = []
    for api in (on, general):
        response = await api.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {api.token(user)}"},
        )
        answers.append((response.status_code, response.content))
    assert answers[0] == answers[1], (query, variables, user)
    return answers[0][1]


def page(node: str, args: str = "", extra: str = "totalCount") -> str:
    return (
        "query($first: Int, $last: Int, $after: String, $before: String, $filter: MemberFilter,"
        " $order: MemberOrder, $under: ID) { members(first: $first, last: $last, after: $after,"
        f" before: $before, filter: $filter, orderBy: $order, under: $under{args}) {{ {extra}"
        " pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }"
        f" edges {{ cursor node {{ {node} }} __typename }} __typename }} }}"
    )


def test_sqlite_functions_are_pythons_base64() -> None:
    assert SQLITE_FUNCTIONS["dj_b64"]("Member:1") == "TWVtYmVyOjE="
    assert SQLITE_FUNCTIONS["dj_b64url"]('["a", ?]') == "WyJhIiwgP10="


@pytest.mark.parametrize("path", sorted(QUERIES.rglob("*.graphql")), ids=lambda p: p.stem)
async def test_saved_queries_answer_the_same(both: tuple[Api, Api], path: Path) -> None:
    for user in ("cq_admin", "jiangjin_admin", "huxi_secretary"):
        await same(both, path.read_text(encoding="utf-8"), {}, user)


@pytest.mark.parametrize("user", USERS)
async def test_every_member_field_every_role(
    both: tuple[Api, Api], user: str, compiled: list[bool]
) -> None:
    """All plain fields and the organisation, paged to the end forward and a page back."""
    query = page(" ".join(MEMBER) + f" organization {{ {ORG} }}")
    after = None
    for _ in range(40):
        body = await same(both, query, {"first": 100, "after": after}, user)
        if b'"hasNextPage":false' in body:
            break
        after = body.split(b'"endCursor":"')[1].split(b'"')[0].decode()
    await same(both, query, {"last": 7, "before": after}, user)
    await same(both, query, {"last": 100}, user)
    assert compiled and all(compiled)


async def test_generated_pages(both: tuple[Api, Api], compiled: list[bool]) -> None:
    """Random subsets, aliases, windows, filters and orders (a fixed seed)."""
    rng = random.Random(24)
    cursors: list[str] = []
    filters = [None, {"status": ["PROBATIONARY"]}, {"gender": "FEMALE", "ageMin": 40},
               {"name": "李"}, {"standing": ["DECEASED", "ACTIVE"]},
               {"ageMin": 9, "ageMax": 3}]  # fmt: skip
    orders = [None, {"field": "ID"}, {"field": "BIRTH_DATE", "direction": "DESC"},
              {"field": "TREE", "direction": "DESC"}, {"field": "NAME"}]  # fmt: skip
    for _ in range(60):
        fields = rng.sample(MEMBER, rng.randint(1, 6))
        node = " ".join(f"a{i}: {f}" if rng.random() < 0.3 else f for i, f in enumerate(fields))
        if rng.random() < 0.4:
            node += " organization { name " + ("id level" if rng.random() < 0.5 else "") + " }"
        variables: dict = {"filter": rng.choice(filters), "order": rng.choice(orders)}
        size = rng.choice([0, 1, 3, 20, 100])
        variables["last" if rng.random() < 0.3 else "first"] = size
        if cursors and rng.random() < 0.5:
            variables["before" if rng.random() < 0.3 else "after"] = rng.choice(cursors)
        extra = rng.choice(["totalCount", "", "n: totalCount"])
        compiled.clear()
        body = await same(both, page(node, extra=extra), variables, rng.choice(USERS))
        by_name = (variables["order"] or {}).get("field") == "NAME"
        if b'"errors"' not in body:  # a cursor of another order is refused before any page
            assert compiled == [not by_name], (node, variables)  # a name order: Python's
        cursors += [c.split(b'"')[0].decode() for c in body.split(b'"cursor":"')[1:3]]


async def test_out_of_scope_and_odd_windows(both: tuple[Api, Api]) -> None:
    async with both[0].engine.connect() as conn:
        banan = await conn.scalar(
            text("SELECT id FROM organization WHERE name = '中共重庆市巴南区委员会'")
        )
    node = "id name phone organization { name }"
    for variables in (
        {"under": gid("Organization", banan)},
        {"first": 5, "last": 5},
        {"first": 101},
        {"after": "bm90IGEgY3Vyc29y"},
        {"under": "not an id"},
    ):
        await same(both, page(node), variables, "jiangjin_admin")
    await same(both, "{ members { totalCount } }", {}, "ouli")
    await same(both, page(node), {}, "nobody-signed")


@pytest.mark.parametrize(
    "shape",
    [
        "{ members { edges { node { id } } } m2: members { totalCount } }",  # two fields
        "{ members { ...F } } fragment F on MemberConnection { totalCount }",
        "{ members { totalCount @include(if: true) edges { node { id } } } }",
        "{ members { edges { node { id name name } } } }",
        "{ members { a: edges { node { id } } b: edges { cursor node { name } } } }",
        "{ members { edges { node { id lostContact checkIns { id } } } } }",
    ],
)
async def test_what_the_compiler_leaves_answers_the_same(both: tuple[Api, Api], shape: str) -> None:
    await same(both, shape, {}, "shengquan_admin")


async def test_one_statement_per_page(both: tuple[Api, Api]) -> None:
    """The compiled page is one statement whatever its size (the principal's read aside)."""
    on, general = both
    counts = []
    for size in (1, 100):
        with counting(on) as statements:
            await on.data(page(f"{' '.join(MEMBER)} organization {{ name }}"), {"first": size},
                          user="jiangjin_admin")  # fmt: skip
        counts.append(len(statements))
    with counting(general) as statements:
        await general.data(page("id organization { name }"), {"first": 100}, user="jiangjin_admin")
    assert counts[0] == counts[1] < len(statements)


JIANGJIN_FIRST = """SELECT id FROM member WHERE standing = 'ACTIVE' AND org_path >=
  (SELECT path FROM organization WHERE name = '中共重庆市江津区委员会')
  ORDER BY org_path, id LIMIT 5"""


@pytest.fixture(scope="module")
async def odd(writable_api: Api, settings: Settings) -> AsyncIterator[tuple[Api, Api]]:
    """A database of its own whose first members of 江津区 hold text that needs escaping."""
    # at most 16 characters: the narrowest column written (ethnicity)
    texts = ['引"号\\斜杠', "t\tn\nx\x01\x1f\x7f", "🚩 \u2028 sep", "", "1234"]
    async with writable_api.engine.begin() as conn:
        ids = (await conn.execute(text(JIANGJIN_FIRST))).all()
        for (pk,), value in zip(ids, texts, strict=True):
            await conn.execute(
                text(
                    "UPDATE member SET name = :v, address = :v, phone = :v, standing_reason = :v,"
                    " ethnicity = :v WHERE id = :id"
                ),
                {"v": value, "id": pk},
            )
    off = dataclasses.replace(settings, sql_json=False)
    async with (
        api_over(writable_api.engine, settings) as on,
        api_over(writable_api.engine, off) as general,
    ):
        yield on, general


@pytest.mark.parametrize("user", ["cq_admin", "jiangjin_auditor"])  # the one masked
async def test_text_that_needs_escaping(odd: tuple[Api, Api], user: str) -> None:
    async with odd[0].engine.connect() as conn:
        district = await conn.scalar(
            text("SELECT id FROM organization WHERE name = '中共重庆市江津区委员会'")
        )
    variables = {"first": 10, "under": gid("Organization", district)}
    body = await same(odd, page(" ".join(MEMBER)), variables, user)
    assert "🚩".encode() in body and b"\\u001f" in body


async def test_the_direct_route(both: tuple[Api, Api], monkeypatch: pytest.MonkeyPatch) -> None:
    """A document seen to qualify skips strawberry from its second request on
    (`server/direct.py`); what that route cannot answer cleanly (variables of the wrong type,
    a page past the node budget, a bad cursor, no caller) takes the general path: the same
    bytes as the server without the compiler."""
    answered: list[bool] = []
    real = DirectRoute.answer

    async def spy(self: DirectRoute, *args: Any) -> Any:
        result = await real(self, *args)
        answered.append(result is not None)
        return result

    monkeypatch.setattr(DirectRoute, "answer", spy)
    query = page("direct: id name phone organization { name code }")
    await same(both, query, {"first": 3}, "jiangjin_admin")
    await same(both, query, {"first": 4, "order": {"field": "ID"}}, "jiangjin_admin")
    assert answered == [False, True]
    for variables, user in (
        ({"first": "x"}, "jiangjin_admin"),
        ({"first": 20_000}, "jiangjin_admin"),
        ({"after": "bm90IGEgY3Vyc29y"}, "jiangjin_admin"),
        ({"first": 3}, "nobody-signed"),
    ):
        answered.clear()
        assert b'"errors"' in await same(both, query, variables, user)
        assert answered == [False], variables
    answered.clear()
    await same(both, "{ members(first: 2) { totalCount } }", {}, "ouli")
    await same(both, "{ members(first: 2) { totalCount } }", {}, "huxi_secretary")
    assert answered == [False, True]
