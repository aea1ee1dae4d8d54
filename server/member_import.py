"""Bulk import of members (批量导入) from an `.xlsx` or `.csv` file in the national member
system's column set (`domain.member.COLUMNS`): `POST /import/members` for administrators, the
CLI `dangjian import members FILE`, and the blank templates. Rows are checked all together
(`resolvers.member.import_members`, the rules of `addMember`), and a real run adds all of them
or none, through the write template (audited)."""

import csv
import datetime as dt
import io
import json
import sys
from typing import Any

from openpyxl import Workbook, load_workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from authz.resources import Action, Resource
from domain.member import COLUMNS, parse_row
from resolvers import member as resolvers
from resolvers.context import Context
from resolvers.errors import ClientError
from resolvers.write import perform

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
OPERATION = "importMembers"  # the audit trail's name of an import
Rows = list[tuple[int, dict[str, str]]]


def _text(value: Any) -> str:
    """A cell as text: dates as ISO dates, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(data: bytes) -> list[list[Any]]:
    """The first sheet of a workbook, or the rows of a CSV (UTF-8, with or without BOM, or
    GB18030 as Chinese Excel saves it)."""
    if data.startswith(ZIP_MAGIC):
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = data.decode("gb18030")
    return list(csv.reader(io.StringIO(decoded)))


def read_rows(data: bytes) -> tuple[Rows, list[tuple[int, str]]]:
    """(row number, cells by column name) of every non-blank row after the header, and the
    problems of the header itself (row 1)."""
    table = _table(data)
    if not table:
        return [], [(1, "the file is empty")]
    header = [_text(c) for c in table[0]]
    missing = [name for name, required in COLUMNS if required and name not in header]
    problems = [(1, f"column {name} is missing") for name in missing]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        texts = [_text(c) for c in cells]
        if any(texts):
            rows.append((number, dict(zip(header, texts, strict=False))))
    return rows, problems


def report_json(report: resolvers.ImportReport) -> dict:
    return {
        "dryRun": report.dry_run,
        "rows": report.rows,
        "added": report.added,
        "ok": report.ok,
        "problems": [{"row": row, "message": message} for row, message in report.problems],
    }


async def run_import(ctx: Context, data: bytes, dry_run: bool) -> resolvers.ImportReport:
    """Check (and unless `dry_run`, add) the members of a file, as the context's caller."""
    rows, header = read_rows(data)
    if header:
        return resolvers.ImportReport(dry_run=dry_run, rows=len(rows), problems=header)
    parsed = [(number, parse_row(cells)) for number, cells in rows]
    try:
        return await perform(ctx, OPERATION, resolvers.import_members, parsed, dry_run)
    except resolvers.ImportRefused as refused:
        return refused.report


def template(kind: str) -> bytes:
    """A blank file with the columns, required ones first in the national order."""
    names = [name for name, _ in COLUMNS]
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(names)
        return ("\ufeff" + out.getvalue()).encode()  # the BOM: Excel opens it as UTF-8
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "党员信息"
    sheet.append(names)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for name, required in COLUMNS:
        notes.append([name, "是" if required else "否", NOTES.get(name, "")])
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()


NOTES = {
    "身份证号": "18位，校验位、出生日期、性别须与其他列一致；全市唯一；请以文本格式填写",
    "出生日期": "如 1990-03-12",
    "学历": "小学、初中、高中/中专、大专、本科、研究生",
    "人员类别": "正式党员或预备党员；不填时有转正日期为正式党员",
    "手机": "11位手机号",
    "所在党组织编码": "党支部的组织编码",
    "党费类别": "在职、离退休、农民、学生、下岗失业、低保；默认在职",
    "增加方式": "发展、转入、恢复党籍；默认转入",
}


def import_routes(context: Any) -> list[Route]:
    """`POST /import/members[?dryRun=1]` (the file as the body, JWT of an administrator: each
    row's organisation must be one whose archive the caller keeps) and the templates."""

    async def upload(request: Request) -> Response:
        ctx: Context = await context(request)
        try:
            ctx.require()
        except ClientError as e:
            return JSONResponse({"error": e.message, "code": "UNAUTHENTICATED"}, status_code=401)
        if ctx.scope(Resource.MEMBER, Action.WRITE).empty:
            message = "only administrators and secretaries import members"
            return JSONResponse({"error": message, "code": "FORBIDDEN"}, status_code=403)
        dry_run = request.query_params.get("dryRun", "0").lower() in ("1", "true", "yes")
        report = await run_import(ctx, await request.body(), dry_run)
        return JSONResponse(report_json(report), status_code=200 if report.ok else 422)

    async def blank(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("csv", "xlsx"):
            return JSONResponse({"error": "template.csv or template.xlsx"}, status_code=404)
        return Response(
            template(kind),
            media_type="text/csv; charset=utf-8" if kind == "csv" else XLSX,
            headers={"Content-Disposition": f'attachment; filename="members.{kind}"'},
        )

    return [
        Route("/import/members", upload, methods=["POST"]),
        Route("/import/members/template.{kind}", blank),
    ]


async def import_locally(path: str, username: str, dry_run: bool, settings: Any) -> int:
    """`dangjian import members`: the file checked (and added) as `username`; the report on
    stdout as JSON; 0 when it had no problem."""
    from authz.principal import load_principal
    from server.db import Session, make_engine

    with open(path, "rb") as f:
        data = f.read()
    engine = make_engine(settings.database_url)
    try:
        async with Session(engine, expire_on_commit=False) as session:
            principal = await load_principal(session, username)
            if principal is None:
                print(f"no account {username!r}", file=sys.stderr)
                return 1
            ctx = Context(
                session=session,
                principal=principal,
                transfer_deadline_days=settings.transfer_deadline_days,
            )
            report = await run_import(ctx, data, dry_run)
    finally:
        await engine.dispose()
    print(json.dumps(report_json(report), ensure_ascii=False, indent=1))
    return 0 if report.ok else 1
