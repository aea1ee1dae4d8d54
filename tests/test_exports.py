"""Saved queries as files tools can trust (issue 18, items 5–7): CSV read back with pandas,
Excel with openpyxl, both once through LibreOffice, and the catalogue's OpenAPI document."""

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openapi_spec_validator import validate

from server import saved_routes
from tests.conftest import Api
from tests.test_saved_queries import get, org

CHECKINS = "/queries/community_checkins?community={}&format={}"


def frame(body: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(body.lstrip("\ufeff")))


async def huxi(api: Api) -> str:
    return await org(api, "中共浒溪社区党委")


async def test_csv_header_from_the_selection_even_without_rows(api: Api) -> None:
    """Out of scope (Banan's administrator on a Jiangjin community) is an empty table with its
    header, not an empty body: the columns are the catalogue's, whatever the rows hold."""
    columns = [
        "id",
        "member.name",
        "member.gender",
        "member.phone",
        "employer.name",
        "grid.name",
        "reportedOn",
        "verifiedHours",
        "serviceCount",
        "lastServiceAt",
    ]
    path = CHECKINS.format(await huxi(api), "csv")
    empty = await get(api, path, "banan_admin")
    assert empty.status_code == 200 and "x-total-count" not in empty.headers
    table = frame(empty.text)
    assert list(table.columns) == columns and len(table) == 0
    listing = {q["name"]: q for q in (await api.client.get("/queries")).json()}
    catalogued = listing["community_checkins"]["connections"][0]["columns"]
    assert [c["name"] for c in catalogued] == columns


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_errors_are_plain_non_2xx(api: Api, fmt: str) -> None:
    base = f"/queries/community_checkins?format={fmt}"
    cases = [
        (f"{base}&first=many", "huxi_secretary", 400, "variable first must be a Int"),
        (f"{base}&period=someday", "huxi_secretary", 400, "BAD_USER_INPUT"),
        (f"{base}&connection=organization.nope", "huxi_secretary", 400, "organization.checkIns"),
        (f"/queries/nothing_here?format={fmt}", "huxi_secretary", 404, "NOT_FOUND"),
    ]
    for path, user, status, text in cases:
        response = await get(api, path, user)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"].startswith("text/plain"), path
        assert text in response.text, (path, response.text)
    anonymous = await api.client.get(base)
    assert anonymous.status_code == 401 and anonymous.text.startswith("UNAUTHENTICATED")
    assert anonymous.headers["content-type"].startswith("text/plain")
    unknown = await get(api, "/queries/community_checkins?format=pdf", "huxi_secretary")
    assert unknown.status_code == 400 and "json, csv or xlsx" in unknown.text


async def test_csv_types_survive_pandas(api: Api) -> None:
    """Booleans as `true`/`false` (pandas: bool), phones with a leading tab (a spreadsheet keeps
    them as text; pandas reads the same digits), enums by name."""
    jiangjin = await org(api, "中共重庆市江津区委员会")
    as_json = (await get(api, f"/queries/arrears_list?org={jiangjin}", "jiangjin_admin")).json()
    edges = as_json["data"]["organization"]["duesArrears"]["edges"]
    assert edges and {e["node"]["selfLapse"] for e in edges} == {True}
    response = await get(api, f"/queries/arrears_list?org={jiangjin}&format=csv", "jiangjin_admin")
    assert response.headers["x-total-count"] == str(len(edges))
    assert "\t1" in response.text and ",True" not in response.text
    table = frame(response.text)
    print("pandas dtypes:", dict(table.dtypes.astype(str)))
    assert table["selfLapse"].dtype == bool and table["selfLapse"].all()
    phones = [e["node"]["member"]["phone"] for e in edges]
    assert [str(p).strip() for p in table["member.phone"]] == phones
    assert all(p.isdigit() and len(p) == 11 for p in phones)
    checkins = frame(
        (await get(api, CHECKINS.format(await huxi(api), "csv"), "huxi_secretary")).text
    )
    assert set(checkins["member.gender"]) == {"MALE", "FEMALE"}


async def test_labels_zh(api: Api) -> None:
    """Chinese headers from the query's comments, enum labels from the schema's descriptions,
    booleans 是/否."""
    text = (
        await get(api, CHECKINS.format(await huxi(api), "csv") + "&labels=zh", "huxi_secretary")
    ).text
    table = frame(text)
    assert list(table.columns)[:4] == ["编号", "姓名", "性别", "手机号码"]
    assert set(table["性别"]) == {"男", "女"}
    jiangjin = await org(api, "中共重庆市江津区委员会")
    arrears = frame(
        (
            await get(api, f"/queries/arrears_list?org={jiangjin}&format=csv&labels=zh", "cq_admin")
        ).text
    )
    assert set(arrears["自行脱党"]) == {"是"}


async def test_every_connection_and_the_summary(api: Api) -> None:
    """`?connection=` picks a table; the figures outside it are `?summary=1` (one row) and the
    connection's `totalCount` is `X-Total-Count`."""
    jiangjin = await org(api, "中共重庆市江津区委员会")
    board = (await get(api, f"/queries/pipeline_board?org={jiangjin}", "jiangjin_admin")).json()
    organization = board["data"]["organization"]
    base = f"/queries/pipeline_board?org={jiangjin}&format=csv"
    children = await get(api, base, "jiangjin_admin")
    assert children.headers["x-total-count"] == str(organization["children"]["totalCount"])
    assert len(frame(children.text)) == organization["children"]["totalCount"]
    waiting = await get(
        api, f"{base}&connection=organization.waiting&waitingFirst=3", "jiangjin_admin"
    )
    table = frame(waiting.text)
    assert list(table.columns) == [
        "id",
        "member.name",
        "member.organization.name",
        "next.step.name",
        "next.dueOn",
        "next.overdue",
    ]
    assert waiting.headers["x-total-count"] == str(organization["waiting"]["totalCount"])
    assert len(table) == organization["waiting"]["totalCount"] > 3
    summary = frame((await get(api, f"{base}&summary=1", "jiangjin_admin")).text)
    assert len(summary) == 1
    row = summary.iloc[0]
    assert (
        row["organization.developmentBoard.openCases"]
        == organization["developmentBoard"]["openCases"]
    )
    assert row["organization.waiting.totalCount"] == organization["waiting"]["totalCount"]
    stages = organization["developmentBoard"]["byStage"]
    assert row["organization.developmentBoard.byStage.key"] == "; ".join(s["key"] for s in stages)


async def test_truncation_is_signalled(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    path = "/queries/community_checkins?format={}"
    whole = await get(api, path.format("csv"), "cq_admin")
    assert "x-truncated" not in whole.headers and "x-row-limit" not in whole.headers
    assert len(frame(whole.text)) == int(whole.headers["x-total-count"]) == 378
    monkeypatch.setattr(saved_routes, "CSV_ROW_CAP", 150)
    cut = await get(api, path.format("csv"), "cq_admin")
    assert cut.headers["x-truncated"] == "true" and cut.headers["x-row-limit"] == "150"
    assert len(frame(cut.text)) == 150 and cut.headers["x-total-count"] == "378"
    book = openpyxl.load_workbook(
        io.BytesIO((await get(api, path.format("xlsx"), "cq_admin")).content)
    )
    assert book["Data"].max_row == 151
    assert list(book["Summary"].values)[-1][0] == "truncated: the first 150 rows"


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


async def test_xlsx_typed_cells(api: Api) -> None:
    """Dates as dates, numbers as numbers, phones as text, money in fen and yuan, the header
    row frozen, the query's other figures on a second sheet."""
    response = await get(api, CHECKINS.format(await huxi(api), "xlsx"), "huxi_secretary")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = workbook(response.content)
    assert book.sheetnames == ["Data", "Summary"]
    sheet = book["Data"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.values)
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    print("openpyxl row:", first)
    assert header[:4] == ("id", "member.name", "member.gender", "member.phone")
    assert len(rows) == 59 and isinstance(first["reportedOn"], dt.datetime)
    assert sheet.cell(2, header.index("reportedOn") + 1).number_format == "yyyy-mm-dd"
    assert isinstance(first["serviceCount"], int) and isinstance(first["verifiedHours"], float)
    assert all(isinstance(r[3], str) and "*" in r[3] for r in rows[1:])  # masked, as text
    summary = dict(zip(*book["Summary"].values, strict=True))
    assert summary["organization.checkInSummary.checkedInMembers"] == 58
    assert isinstance(summary["organization.checkInSummary.periodStart"], dt.datetime)

    jiangjin = await org(api, "中共重庆市江津区委员会")
    money = workbook(
        (
            await get(
                api,
                f"/queries/monthly_collection?org={jiangjin}&format=xlsx&labels=zh",
                "jiangjin_admin",
            )
        ).content
    )
    assert money.sheetnames == ["数据", "汇总"]
    data = money["数据"]
    header = next(data.values)
    assert header[:5] == ("党组织", "层级", "月份", "应缴(分)", "应缴(分)(元)")
    for row in data.iter_rows(min_row=2):
        fen, yuan = row[3], row[4]
        assert isinstance(fen.value, int) and yuan.value == round(fen.value / 100, 2)
        assert yuan.number_format == "0.00"
    assert {r[1].value for r in data.iter_rows(min_row=2)} <= {"街道党工委", "乡镇党委", "基层党委"}


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: make test installs it")
        pytest.skip("LibreOffice not installed (make test installs libreoffice-calc-nogui)")
    return found


def convert(tmp: Path, source: Path, to: str, *infilter: str) -> Path:
    """`soffice --headless --convert-to`, with a profile of its own (tests may run side by
    side)."""
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            *infilter,
            "--convert-to",
            to,
            "--outdir",
            str(tmp / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return tmp / "out" / f"{source.stem}.{to.split(':')[0]}"


async def test_libreoffice_reads_the_exports(api: Api, tmp_path: Path) -> None:
    """The CSV opened as UTF-8 (the filter options LibreOffice needs for it: 44 comma, 34
    quote, 76 UTF-8) keeps phones as text and booleans as booleans; the workbook converted to
    CSV keeps dates, money and Chinese headers."""
    soffice()
    jiangjin = await org(api, "中共重庆市江津区委员会")
    csv_file = tmp_path / "arrears.csv"
    csv_file.write_bytes(
        (
            await get(
                api, f"/queries/arrears_list?org={jiangjin}&format=csv&bom=1", "jiangjin_admin"
            )
        ).content
    )
    opened = workbook(convert(tmp_path, csv_file, "xlsx", "--infilter=CSV:44,34,76,1").read_bytes())
    rows = list(opened.active.values)
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    print("LibreOffice read the CSV as:", first)
    assert header[:4] == ("months", "lastPaidMonth", "monthlyPayableFen", "selfLapse")
    assert first["selfLapse"] is True and isinstance(first["months"], int)
    phone = first["member.phone"]
    assert isinstance(phone, str) and phone.strip().isdigit() and len(phone.strip()) == 11

    xlsx_file = tmp_path / "collection.xlsx"
    xlsx_file.write_bytes(
        (
            await get(
                api,
                f"/queries/monthly_collection?org={jiangjin}&format=xlsx&labels=zh",
                "jiangjin_admin",
            )
        ).content
    )
    back = frame(
        convert(tmp_path, xlsx_file, "csv:Text - txt - csv (StarCalc):44,34,76,1").read_text(
            encoding="utf-8"
        )
    )
    print("LibreOffice wrote the workbook as:", back.head(2).to_dict("records"))
    assert list(back.columns)[:5] == ["党组织", "层级", "月份", "应缴(分)", "应缴(分)(元)"]
    assert (back["应缴(分)(元)"] * 100).round().astype(int).tolist() == back["应缴(分)"].tolist()


async def test_catalogue_describes_variables_and_columns(api: Api) -> None:
    listing = {q["name"]: q for q in (await api.client.get("/queries")).json()}
    entry = listing["community_checkins"]
    variables = {v["name"]: v for v in entry["variables"]}
    assert variables["community"]["required"] is False  # the caller's scope by default
    assert variables["community"]["description"].startswith("社区")
    assert variables["period"]["format"] == "YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
    assert variables["first"]["format"] == "a whole number"
    assert [c["path"] for c in entry["connections"]] == ["organization.checkIns"]
    phone = next(c for c in entry["connections"][0]["columns"] if c["name"] == "member.phone")
    assert phone["type"] == "String" and phone["label"] == "手机号码"
    assert phone["description"].startswith("Mobile phone")
    assert [c["path"] for c in listing["pipeline_board"]["connections"]] == [
        "organization.children",
        "organization.waiting",
    ]
    for query in listing.values():  # every column has its Chinese header, every variable a text
        assert all(v["description"] for v in query["variables"]), query["name"]
        columns = [c for t in query["connections"] for c in t["columns"]] + query["summary"]
        assert all(c["label"] for c in columns), query["name"]


async def test_openapi_document(api: Api) -> None:
    document = (await api.client.get("/queries/openapi.json")).json()
    validate(document)  # OpenAPI 3.1
    listing = (await api.client.get("/queries")).json()
    assert set(document["paths"]) == {"/queries"} | {f"/queries/{q['name']}" for q in listing}
    run = document["paths"]["/queries/arrears_list"]["get"]
    parameters = {p["name"]: p for p in run["parameters"]}
    assert parameters["month"]["description"].endswith("YYYY-MM")
    assert parameters["minMonths"]["schema"] == {"type": "integer"}
    assert parameters["org"]["required"] is False
    assert parameters["format"]["schema"]["enum"] == ["json", "csv", "xlsx"]
    assert set(run["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
