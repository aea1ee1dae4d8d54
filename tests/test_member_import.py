"""Bulk import (批量导入): a dry run reports every problem with its row number, a real run adds
all rows or none (audited, through the checks of addMember), each row's organisation in the
caller's scope; the upload endpoint, the templates and `dangjian import members`."""

import asyncio
import json

from sqlalchemy import text

from bench.member_import import as_csv, as_xlsx, branch_codes, sample_rows
from domain.member import COLUMNS
from server.db import make_engine
from server.member_import import read_rows
from tests.conftest import Api
from tests.process import run

NAMES = [name for name, _ in COLUMNS]


async def scalar(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return await conn.scalar(text(sql), params)


async def upload(api: Api, body: bytes, user: str, dry_run: bool) -> tuple[int, dict]:
    response = await api.client.post(
        f"/import/members?dryRun={int(dry_run)}",
        content=body,
        headers={"Authorization": f"Bearer {api.token(user)}"},
    )
    return response.status_code, response.json()


def broken(rows: list[list[str]], existing_card: str) -> list[list[str]]:
    """Rows 3, 5, 6, 8 and 9 (file numbering: the header is row 1) with one problem each."""
    rows = [list(r) for r in rows]
    card = NAMES.index("身份证号")
    rows[1][card] = rows[1][card][:17] + ("0" if rows[1][card][17] != "0" else "1")
    rows[3][NAMES.index("所在党组织编码")] = "NO-SUCH-CODE"
    rows[4][card] = existing_card
    rows[6][card] = rows[0][card]  # repeats row 2
    rows[7][NAMES.index("出生日期")] = "1990-02-30"
    return rows


async def test_dry_run_reports_every_row_and_a_real_run_is_all_or_nothing(
    writable_api: Api,
) -> None:
    api = writable_api
    codes = await branch_codes(api.engine)
    existing = await scalar(api, "SELECT id_card_number FROM member WHERE name = '欧丽'")
    members = await scalar(api, "SELECT count(*) FROM member")
    rows = broken(sample_rows(codes, 12), existing)
    status, report = await upload(api, as_csv(rows), "jiangjin_admin", dry_run=True)
    assert status == 422 and report["dryRun"] and report["rows"] == 12
    assert sorted({p["row"] for p in report["problems"]}) == [3, 5, 6, 8, 9]
    messages = {p["row"]: p["message"] for p in report["problems"]}
    assert "check character" in messages[3] and "NO-SUCH-CODE" in messages[5]
    assert "already in the archive" in messages[6] and "repeats row 2" in messages[8]
    assert "出生日期" in messages[9]
    # a real run with problems adds nothing, and the refusal is on the trail
    status, report = await upload(api, as_csv(rows), "jiangjin_admin", dry_run=False)
    assert status == 422 and report["added"] == 0
    assert await scalar(api, "SELECT count(*) FROM member") == members
    refused = "SELECT count(*) FROM audit_log WHERE operation = 'importMembers' AND NOT success"
    assert await scalar(api, refused) == 1

    # another district's branches are not 巴南's to fill: every row says so
    good = sample_rows(codes, 12, offset=100)
    status, report = await upload(api, as_xlsx(good), "banan_admin", dry_run=True)
    assert status == 422 and {p["row"] for p in report["problems"]} == set(range(2, 14))
    # members cannot import at all
    status, _ = await upload(api, as_xlsx(good), "ouli", dry_run=True)
    assert status == 403

    status, report = await upload(api, as_xlsx(good), "jiangjin_admin", dry_run=False)
    assert status == 200 and report["added"] == 12 and report["problems"] == []
    assert await scalar(api, "SELECT count(*) FROM member") == members + 12
    added = "SELECT count(*) FROM audit_log WHERE operation = 'importMembers' AND success"
    assert await scalar(api, added) == 12
    trail = await scalar(
        api, "SELECT after FROM audit_log WHERE operation = 'importMembers' AND success"
    )
    assert json.loads(trail)["id_card_number"].endswith("*" * 15)
    # the same file again: every row is now a duplicate
    status, report = await upload(api, as_xlsx(good), "jiangjin_admin", dry_run=True)
    assert status == 422 and len(report["problems"]) == 12


async def test_templates_and_limits(writable_api: Api) -> None:
    api = writable_api
    for kind in ("csv", "xlsx"):
        response = await api.client.get(f"/import/members/template.{kind}")
        assert response.status_code == 200
        rows, header_problems = read_rows(response.content)
        assert rows == [] and header_problems == []
    missing = as_csv([]).replace("身份证号,".encode(), b"")
    status, report = await upload(api, missing, "jiangjin_admin", dry_run=True)
    assert status == 422 and report["problems"] == [
        {"row": 1, "message": "column 身份证号 is missing"}
    ]
    no_token = await api.client.post("/import/members", content=b"x")
    assert no_token.status_code == 401
    too_big = await api.client.post(
        "/import/members",
        content=b"x" * (api.settings.max_body_bytes + 1),
        headers={"Authorization": f"Bearer {api.token('jiangjin_admin')}"},
    )
    assert too_big.status_code == 413


def test_cli_import(cli_env: dict[str, str], tmp_path) -> None:
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp_path}/import.db"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed").returncode == 0

    async def codes_of_jiangjin() -> list[str]:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/import.db")
        try:
            return await branch_codes(engine)
        finally:
            await engine.dispose()

    codes = asyncio.run(codes_of_jiangjin())
    path = tmp_path / "members.csv"
    path.write_bytes(as_csv(sample_rows(codes, 5)))
    dry = run(env, "import", "members", str(path), "--dry-run", "--user", "jiangjin_admin")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["added"] == 0
    real = run(env, "import", "members", str(path), "--user", "jiangjin_admin")
    assert real.returncode == 0 and json.loads(real.stdout)["added"] == 5
    again = run(env, "import", "members", str(path), "--user", "jiangjin_admin")
    assert again.returncode == 1 and len(json.loads(again.stdout)["problems"]) == 5
