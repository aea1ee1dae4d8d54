"""Saved queries: registry validation, catalogue, runs as the caller in JSON and CSV."""

import base64
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import text

from authz.masking import mask_phone
from schema import build_schema
from server.saved_queries import Registry, SavedQueryError
from tests.conftest import Api
from tests.process import run
from tests.test_statement_count import counting


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def org(api: Api, name: str) -> str:
    async with api.engine.connect() as conn:
        pk = await conn.scalar(text("SELECT id FROM organization WHERE name = :n"), {"n": name})
    return gid("Organization", pk)


async def get(api: Api, path: str, user: str, **headers: str):
    return await api.client.get(
        path, headers={"Authorization": f"Bearer {api.token(user)}", **headers}
    )


def test_every_saved_query_is_valid() -> None:
    registry = Registry.load(build_schema())
    assert {"community_checkins", "employer_feedback"} <= set(registry.by_name)
    assert all(q.description for q in registry.by_name.values())


@pytest.mark.parametrize(
    "text_, message",
    [
        ("# d\nquery wrong { viewer { username } }", "the operation is named 'wrong'"),
        ("# d\nquery bad { viewer { nope } }", "Cannot query field 'nope'"),
        ("query bad { viewer { username } }", "start it with a `#` comment"),
        (
            "# d\nquery bad { viewer { username } } query other { viewer { username } }",
            "exactly one named operation",
        ),
        ("# d\nquery bad {", "Syntax Error"),
    ],
)
def test_invalid_saved_queries_stop_start_up(tmp_path: Path, text_: str, message: str) -> None:
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "bad.graphql").write_text(text_)
    with pytest.raises(SavedQueryError) as caught:
        Registry.load(build_schema(), tmp_path)
    assert "area/bad.graphql" in str(caught.value) and message in str(caught.value)


async def test_catalogue(api: Api) -> None:
    listing = (await api.client.get("/queries")).json()
    entry = next(q for q in listing if q["name"] == "community_checkins")
    assert entry["area"] == "checkin" and "community view" in entry["description"]
    variables = {v["name"]: v for v in entry["variables"]}
    assert variables["community"].items() >= {
        "type": "ID!", "default": None, "scopeDefault": True, "required": False
    }.items()  # fmt: skip
    assert variables["first"].items() >= {
        "type": "Int", "default": "50", "scopeDefault": False, "required": False
    }.items()  # fmt: skip
    assert len(entry["sha256"]) == 64


def parse_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


async def test_csv_masks_phones_without_pii(api: Api) -> None:
    huxi = await org(api, "中共浒溪社区党委")
    path = f"/queries/community_checkins?community={huxi}&format=csv&first=100"
    clear = parse_csv((await get(api, path, "jiangjin_admin")).text)
    masked = parse_csv((await get(api, path, "jiangjin_auditor")).text)
    assert len(clear) == len(masked) == 58
    assert "member.phone" in clear[0] and "employer.name" in clear[0]
    assert all("*" not in r["member.phone"] for r in clear)
    # digits with a leading tab, which spreadsheets keep as text (tests/test_exports.py)
    assert all(r["member.phone"].startswith("\t") for r in clear)
    assert [r["member.phone"] for r in masked] == [
        mask_phone(r["member.phone"].strip()) for r in clear
    ]
    other = await get(api, path, "banan_admin")
    assert other.status_code == 200 and parse_csv(other.text) == []


async def test_csv_follows_cursors_and_bom(api: Api) -> None:
    huxi = await org(api, "中共浒溪社区党委")
    response = await get(
        api,
        f"/queries/community_checkins?community={huxi}&first=7&bom=1",
        "huxi_secretary",
        Accept="text/csv",
    )
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = parse_csv(response.text)
    assert len(rows) == 58 and len({r["id"] for r in rows}) == 58


async def test_csv_runs_the_query_once_per_page_not_per_row(api: Api) -> None:
    """The city's 378 check-ins with `first=1`: the export reads pages of the most a page may
    hold (four), as it does with `first=100`, not one execution per row."""
    path = "/queries/community_checkins?format=csv&first={}"
    with counting(api) as by_one:
        one = await get(api, path.format(1), "cq_admin")
    with counting(api) as by_hundred:
        hundred = await get(api, path.format(100), "cq_admin")
    rows = parse_csv(one.text)
    assert len(rows) == 378 and len({r["id"] for r in rows}) == 378
    assert parse_csv(hundred.text) == rows
    assert len(by_one) == len(by_hundred)


async def test_scope_variable_defaults_to_own_scope(api: Api) -> None:
    body = (await get(api, "/queries/community_checkins", "huxi_secretary")).json()
    assert body["data"]["organization"]["name"] == "中共浒溪社区党委"
    assert body["data"]["organization"]["checkInSummary"]["checkedInMembers"] == 58


@pytest.mark.parametrize(
    "query, message",
    [
        ("first=many", "variable first must be a Int"),
        ("colour=red", "unknown variable 'colour' for community_checkins"),
    ],
)
async def test_bad_variables(api: Api, query: str, message: str) -> None:
    response = await get(api, f"/queries/community_checkins?{query}", "huxi_secretary")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == message and error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_and_unauthenticated(api: Api) -> None:
    missing = await get(api, "/queries/nothing_here", "cq_admin")
    assert missing.status_code == 404
    anonymous = await api.client.get("/queries/community_checkins")
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_cli_query(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp_path}/q.db"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed").returncode == 0
    out = run(env, "query", "community_checkins", "--user", "huxi_secretary", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = parse_csv(out.stdout)
    assert len(rows) == 58 and all("*" in r["member.phone"] for r in rows)
    as_json = run(
        env, "query", "employer_feedback", "--user", "jiangjin_admin", "--var", "period=2026-Q3"
    )
    assert as_json.returncode == 0 and '"staffCheckIns"' in as_json.stdout
    bad = run(env, "query", "community_checkins", "--user", "nobody")
    assert bad.returncode == 1


@pytest.mark.parametrize("name", sorted(Registry.load(build_schema()).by_name))
async def test_every_saved_query_runs(api: Api, name: str) -> None:
    """As a district administrator, with scope variables defaulting to the district."""
    response = await get(api, f"/queries/{name}", "jiangjin_admin")
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert body["data"]["organization"]["name"] == "中共重庆市江津区委员会"
