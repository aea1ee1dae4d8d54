"""The plain-field executor gives exactly graphql-core's results and errors, bad values included."""

import asyncio
import dataclasses
import enum
import json

import graphql.execution.executor
import httpx
import pytest
import strawberry
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from authz.tokens import issue_token
from engine.executor import Executor
from engine.settled import gather_settled
from server.app import create_app
from server.settings import load_settings


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Deny(BasePermission):
    message = "denied"

    def has_permission(self, source: object, info: strawberry.Info, **kwargs: object) -> bool:
        return False


@strawberry.type
class Leaf:
    name: str
    colour: Colour
    note: str | None = None
    secret: str = strawberry.field(default="s3cr3t", permission_classes=[Deny])

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name.upper()

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("broken resolver")


@strawberry.type
class Edge:
    node: Leaf
    maybe: Leaf | None
    cursor: str


@strawberry.type
class Holder:
    edges: list[Edge]
    items: list[Leaf | None]
    plain: list[str]
    count: int
    inner: Leaf

    @strawberry.field
    def failing(self) -> int:
        raise ValueError("failing resolver")


def good(name: str) -> Leaf:
    return Leaf(name=name, colour=Colour.BLUE)


def holder(bad: str) -> Holder:
    """A holder whose data is broken in the way `bad` names."""
    leaves = [good("甲"), good("乙"), good("丙")]
    edges = [Edge(node=leaf, maybe=leaf, cursor=f"c{i}") for i, leaf in enumerate(leaves)]
    items: list[Leaf | None] = list(leaves)
    if bad == "null-name":
        leaves[1].name = None  # type: ignore[assignment]
    elif bad == "bad-enum":
        leaves[2].colour = "green"  # type: ignore[assignment]
    elif bad == "wrong-type":
        edges[0].node = edges[1]  # type: ignore[assignment]
    elif bad == "null-node":
        edges[2].node = None  # type: ignore[assignment]
    elif bad == "null-maybe":
        edges[1].maybe = None
    elif bad == "null-item":
        items[1] = None
    elif bad == "int-as-name":
        leaves[0].name = 7  # type: ignore[assignment]
    elif bad == "awaitable-name":
        later = asyncio.get_running_loop().create_future()
        later.set_result("乙乙")
        leaves[1].name = later  # type: ignore[assignment]
    elif bad == "exception-name":
        leaves[2].name = ValueError("stored error")  # type: ignore[assignment]
    return Holder(edges=edges, items=items, plain=["x", "y"], count=len(edges), inner=leaves[1])


@strawberry.type
class Query:
    @strawberry.field
    def holder(self, bad: str = "") -> Holder:
        return holder(bad)

    @strawberry.field
    async def slow_holder(self, bad: str = "") -> Holder | None:
        await asyncio.sleep(0)
        return holder(bad)


QUERIES = [
    "{ holder { count edges { cursor node { name colour note } } } }",
    "{ holder { edges { node { __typename n: name name later } maybe { colour } } } }",
    "{ holder { ...H } } fragment H on Holder { edges { node { name } node { colour } } }",
    "{ holder { edges { node { name broken } } items { name } plain } }",
    "{ slowHolder { edges { node { later name @include(if: false) colour @skip(if: true) } } } }",
    "{ holder { items { name later } count } }",
    "{ holder { failing inner { name } count } }",
    "{ holder { inner { name } failing } }",
    "{ holder { edges { node { name secret } } } }",
    "{ holder { edges { c: cursor node { __typename name colour note } maybe { name } } } }",
    "{ holder { inner { n: name colour } edges { maybe { colour note } node { name } } } }",
]
BAD = ["", "null-name", "bad-enum", "wrong-type", "null-node", "null-maybe", "null-item",
       "int-as-name", "awaitable-name", "exception-name"]  # fmt: skip


def run(executor: type, query: str) -> dict:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)

    async def execute() -> strawberry.types.ExecutionResult:
        result = await schema.execute(query)
        await asyncio.sleep(0.001)  # abandoned sibling work settles in the background
        return result

    result = asyncio.run(execute())
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("query", QUERIES)
def test_same_results_and_errors_as_graphql_core(query: str, bad: str) -> None:
    for root in ("holder", "slowHolder"):
        text = query.replace("holder {", f'{root}(bad: "{bad}") {{', 1)
        text = text.replace("slowHolder {", f'slowHolder(bad: "{bad}") {{', 1)
        expected = run(StrawberryGraphQLCoreExecutionContext, text)
        got = run(Executor, text)
        assert json.dumps(got, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


def test_broken_values_are_reported_not_dropped() -> None:
    result = run(Executor, '{ holder(bad: "null-name") { edges { node { name } } } }')
    assert result["data"] is None
    assert result["errors"] == [
        (
            "Cannot return null for non-nullable field Leaf.name.",
            ("holder", "edges", 1, "node", "name"),
        )
    ]
    result = run(Executor, '{ holder(bad: "null-item") { items { name } } }')
    assert result["data"] == {"holder": {"items": [{"name": "甲"}, None, {"name": "丙"}]}}


def test_permission_classes_still_apply() -> None:
    result = run(Executor, "{ holder { inner { name secret } } }")
    assert result["data"] is None
    assert result["errors"] == [("denied", ("holder", "inner", "secret"))]


def test_response_keys_keep_the_query_order() -> None:
    data = run(Executor, "{ holder { edges { node { later __typename name colour } cursor } } }")
    edge = data["data"]["holder"]["edges"][0]
    assert list(edge) == ["node", "cursor"]
    assert list(edge["node"]) == ["later", "__typename", "name", "colour"]


def test_plain_selections_are_built_by_compiled_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A selection plain all the way down is built without the executor's per-object path;
    one broken value sends it down that path."""
    calls: list[str] = []
    complete_object = Executor.complete_object

    def counted(self: Executor, *args: object) -> object:
        calls.append("object")
        return complete_object(self, *args)

    monkeypatch.setattr(Executor, "complete_object", counted)
    query = "{ holder%s { edges { cursor node { name colour } maybe { note } } inner { name } } }"
    assert run(Executor, query % "")["errors"] == []
    assert calls == []
    result = run(Executor, query % '(bad: "bad-enum")')
    assert result["errors"] == [
        ("Enum 'Colour' cannot represent value: 'green'", ("holder", "edges", 2, "node", "colour"))
    ]
    assert calls


STOCK_QUERY = """{ viewer { displayName } members(first: 30, orderBy: {field: NAME}) { totalCount
  edges { cursor node { id name status idCardNumber organization { name level } } } } }"""


async def test_stock_executor_setting_gives_the_same_answers(db, settings) -> None:
    """`DANGJIAN_EXECUTOR=stock` serves the same schema through strawberry's own executor."""
    answers = []
    for executor in ("compiled", "stock"):
        app = create_app(dataclasses.replace(settings, executor=executor), engine=db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://dangjian.test"
        ) as client:
            token = issue_token(settings.jwt_secret, "jiangjin_auditor", 1)
            response = await client.post(
                "/graphql",
                json={"query": STOCK_QUERY},
                headers={"Authorization": f"Bearer {token}"},
            )
        answers.append(response.json())
    assert "errors" not in answers[0] and len(answers[0]["data"]["members"]["edges"]) == 30
    assert answers[0] == answers[1]
    secret = {"DANGJIAN_JWT_SECRET": "x" * 40}
    assert load_settings({**secret, "DANGJIAN_EXECUTOR": "stock"}).executor == "stock"
    with pytest.raises(ValueError, match="DANGJIAN_EXECUTOR"):
        load_settings({**secret, "DANGJIAN_EXECUTOR": "fast"})


async def test_siblings_of_a_failing_field_run_to_the_end() -> None:
    """No field is cancelled inside a database call because a sibling failed: a cancelled
    statement took its connection down and, on SQLite, the request with it."""
    finished: list[str] = []

    async def slow() -> str:
        await asyncio.sleep(0.05)
        finished.append("slow")
        return "slow"

    async def failing() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await gather_settled(failing(), slow())
    assert finished == ["slow"]
    assert graphql.execution.executor.gather_with_cancel is gather_settled  # graphql-core's too
