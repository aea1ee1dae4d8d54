"""Generated queries (hypothesis-graphql, from the live SDL) as every demo account: nothing in
any response lies outside what the independent oracle says the caller may see."""

import base64
import binascii
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from authz.resources import Action, Resource
from authz.scope import Scope
from datagen.anchors import ACCOUNTS
from resolvers.context import Context
from tests.conftest import Api
from tests.visibility import Visible, visible_to

SDL = (Path(__file__).resolve().parent.parent / "schema.graphql").read_text()
USERS = [a[0] for a in ACCOUNTS]
SCALARS = {
    "Date": st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 31)).map(
        lambda d: nodes.String(d.isoformat())
    ),
    # hypothesis draws naive values: the DateTime scalar reads them in business time
    "DateTime": st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 1, 1)).map(  # noqa: DTZ001
        lambda d: nodes.String(d.isoformat())
    ),
}
BREADCRUMB_KEYS = {"id", "name", "level"}
EXAMPLES = 1000


def decode(gid: Any) -> tuple[str, int] | None:
    if not isinstance(gid, str):
        return None
    try:
        kind, _, pk = base64.b64decode(gid, validate=True).decode().partition(":")
        return kind, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def check(data: Any, visible: Visible, where: str = "data") -> None:
    """Every object with a global ID must be visible to the caller; an organisation seen only
    as a breadcrumb may carry nothing but id, name and level."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            check(item, visible, f"{where}[{i}]")
        return
    if not isinstance(data, dict):
        return
    found = decode(data.get("id"))
    if found:
        kind, pk = found
        if kind == "Organization" and set(data) - BREADCRUMB_KEYS:
            allowed = pk in visible.strict_orgs
        else:
            allowed = visible.allows(kind, pk)
        assert allowed, f"leak at {where}: {kind} {pk} is outside the caller's scope"
    check_totals(data, visible, where)
    for key, value in data.items():
        check(value, visible, f"{where}.{key}")


def check_totals(data: dict, visible: Visible, where: str) -> None:
    """Counts cannot exceed what the caller may see: a connection's totalCount (its kind read
    off its nodes' ids), and member counts and totals."""
    edges = data.get("edges")
    if isinstance(data.get("totalCount"), int) and isinstance(edges, list):
        kinds = {decode((e.get("node") or {}).get("id")) for e in edges if isinstance(e, dict)}
        for found in kinds - {None}:
            kind = found[0]  # type: ignore[index]
            limit = len(
                visible.strict_orgs if kind == "Organization" else visible.ids.get(kind, ())
            )
            assert data["totalCount"] <= limit, f"leak at {where}.totalCount: {kind}"
    for key in ("memberCount", "memberTotal", "checkedInMembers", "membersDue"):
        if isinstance(data.get(key), int):
            assert data[key] <= len(visible.ids["Member"]), f"leak at {where}.{key}"


@pytest.fixture(scope="session")
async def visibility(api: Api) -> dict[str, Visible]:
    return {user: await visible_to(api.engine, user) for user in USERS}


@settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(query=queries(SDL, custom_scalars=SCALARS, allow_x00=False), user=st.sampled_from(USERS))
async def test_generated_queries_never_leak(
    api: Api, visibility: dict[str, Visible], query: str, user: str
) -> None:
    await no_leak(api, visibility[user], query, user)


async def no_leak(api: Api, visible: Visible, query: str, user: str) -> None:
    """`query` as `user` answers without an internal error and within what `visible` allows."""
    body = await api.post(query, user=user)
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", [])}
    assert "INTERNAL_SERVER_ERROR" not in codes, (query, body["errors"])
    check(body.get("data"), visible)


async def test_the_oracle_catches_a_planted_leak(
    api: Api, visibility: dict[str, Visible], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member scope that forgets the caller, planted at the one choke point every read goes
    through (`Context.scope`): rows leak, not only counts, and the oracle sees both."""
    query = "{ members(first: 100) { totalCount edges { node { id name } } } }"
    honest = await api.post(query, user="ouli")
    check(honest["data"], visibility["ouli"])
    real = Context.scope

    def forgetful(ctx: Context, resource: Resource, action: Action) -> Scope:
        return (
            Scope(everything=True) if resource is Resource.MEMBER else real(ctx, resource, action)
        )

    monkeypatch.setattr(Context, "scope", forgetful)
    leaked = await api.post(query, user="ouli")
    with pytest.raises(AssertionError, match=r"leak at data\.members\.totalCount"):
        check(leaked["data"], visibility["ouli"])
    edges = leaked["data"]["members"]["edges"]
    assert len(edges) == 100  # 欧丽 alone is hers to see
    with pytest.raises(AssertionError, match=r"leak at data\.members\.edges\[\d+\]"):
        check(edges, visibility["ouli"], "data.members.edges")
    counted = await api.post(
        "{ members(first: 0) { totalCount edges { node { id } } } }", user="ouli"
    )
    assert counted["data"]["members"]["edges"] == []  # no ids to check, only the total
    with pytest.raises(AssertionError, match="leak"):
        check(
            {"organization": {"id": "x", "memberCount": counted["data"]["members"]["totalCount"]}},
            visibility["ouli"],
        )
