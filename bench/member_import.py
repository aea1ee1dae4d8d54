"""Bulk import benchmark: 5,000 members from a CSV (and the same as .xlsx) into the demo data,
through the upload endpoint as `jiangjin_admin` (HTTP in process: JWT, scope per row, all
checks, one transaction, audited). Prints the median of the runs.

    .venv/bin/python -m bench.member_import [--rows 5000] [--runs 5] [--database URL]
"""

import argparse
import asyncio
import csv
import datetime as dt
import io
import secrets
import statistics
import tempfile
import time

import httpx
from openpyxl import Workbook
from sqlalchemy import text

from authz.tokens import issue_token
from datagen.seed import seed
from domain.member import COLUMNS, id_card_check
from server.app import create_app
from server.db import make_engine, upgrade
from server.settings import Settings

SECRET = secrets.token_hex(32)  # production refuses any secret written in the repository
AREA = "510107"  # 成都市武侯区: no demo member carries it, so numbers never collide
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def sample_rows(codes: list[str], n: int, offset: int = 0) -> list[list[str]]:
    """`n` valid rows (men and women, full and probationary) spread over the branches of
    `codes`; `offset` gives another batch of distinct ID-card numbers."""
    rows = []
    for k in range(offset, offset + n):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=k // 400)
        male = k % 2 == 1
        first17 = f"{AREA}{birth:%Y%m%d}{(k % 400) * 2 + (1 if male else 0):03d}"
        full = k % 10 != 0
        joined = dt.date(birth.year + 25, 7, 1)
        cells = {
            "姓名": SURNAMES[k % 20] + GIVEN[(k // 20) % len(GIVEN)] + GIVEN[k // 400 % len(GIVEN)],
            "身份证号": first17 + id_card_check(first17),
            "性别": "男" if male else "女",
            "民族": "汉族",
            "出生日期": birth.isoformat(),
            "学历": ("本科", "大专", "研究生", "高中/中专")[k % 4],
            "人员类别": "正式党员" if full else "预备党员",
            "入党日期": joined.isoformat() if full else "2026-07-01",
            "转正日期": dt.date(joined.year + 1, 7, 1).isoformat() if full else "",
            "手机": f"139{k:08d}",
            "家庭住址": f"重庆市江津区几江街道{k % 90 + 1}号",
            "所在党组织编码": codes[k % len(codes)],
            "党费类别": "在职",
            "增加方式": "转入",
        }
        rows.append([cells[name] for name, _ in COLUMNS])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([name for name, _ in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def branch_codes(engine, district: str = "中共重庆市江津区委员会") -> list[str]:
    async with engine.connect() as conn:
        top = await conn.scalar(
            text("SELECT path FROM organization WHERE name = :n"), {"n": district}
        )
        return list(
            await conn.scalars(
                text("SELECT code FROM organization WHERE level = 'BRANCH' AND path LIKE :p"),
                {"p": f"{top}%"},
            )
        )


async def main(rows: int, runs: int, url: str | None) -> None:
    folder = tempfile.mkdtemp()
    url = url or f"sqlite+aiosqlite:///{folder}/import.db"
    engine = make_engine(url)
    await upgrade(engine)
    await seed(engine, "demo", reset=True)
    settings = Settings(database_url=url, jwt_secret=SECRET, env="development", rate_limit=0)
    app = create_app(settings, engine=engine)
    token = issue_token(SECRET, "jiangjin_admin", 1)
    codes = await branch_codes(engine)
    timings: dict[str, list[float]] = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
    ) as client:
        for run in range(runs):
            batch = sample_rows(codes, rows, offset=run * rows)
            files = {"xlsx": as_xlsx(batch), "csv": as_csv(batch)}
            for kind, dry in (("xlsx", True), ("csv", True), ("csv", False)):
                body = files[kind]
                started = time.perf_counter()
                response = await client.post(
                    f"/import/members?dryRun={int(dry)}",
                    content=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
                elapsed = time.perf_counter() - started
                report = response.json()
                assert response.status_code == 200 and report["ok"], report["problems"][:5]
                label = f"{kind} {'dry run' if dry else 'import'} ({len(body) // 1024} KiB)"
                timings.setdefault(label, []).append(elapsed)
    await engine.dispose()
    print(f"{rows} rows, {runs} runs, {url.split(':')[0]}: median seconds")
    for label, values in timings.items():
        print(f"  {label}: {statistics.median(values):.2f} (min {min(values):.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.runs, args.database))
