"""GraphiQL served by the app, with no internet: Debian's headless Chromium against a live
`dangjian serve` renders the editor, runs a query with an `Authorization` header typed into
the headers editor, and asks nothing of any other host; the assets are the pinned ones."""

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Request, Route, sync_playwright

from server.graphiql import HERE, STATIC, assets
from tests.process import PRODUCTION_SECRET, run, serving, token

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parent.parent / ".artifacts" / "graphiql-offline.png"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUERY = "{ viewer { username displayName } }"
# every CSP violation the page meets, recorded before any of its scripts run
VIOLATIONS = """window.violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));"""
CODEMIRROR = "(selector) => document.querySelector(selector).CodeMirror.getValue()"


@pytest.fixture(scope="module")
def seeded(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a seeded database of its own."""
    db = tmp_path_factory.mktemp("graphiql") / "graphiql.db"
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{db}"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed", "--scale", "demo").returncode == 0
    return env


@pytest.fixture(scope="module")
def live(seeded: dict[str, str]) -> Iterator[str]:
    """A development server on it."""
    with serving(seeded) as base:
        yield base


def test_the_assets_are_the_pinned_files() -> None:
    manifest = json.loads((HERE / "vendor.json").read_text())
    vendored = {target for p in manifest["packages"] for target in p["files"].values()}
    assert set(manifest["sha256"]) == vendored
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name
    ours = {"init.js", "page.css"}
    assert {p.name for p in STATIC.iterdir()} == vendored | ours
    notice = (HERE / "NOTICE.md").read_text()
    for p in manifest["packages"]:
        assert f"| {p['name']} | {p['version']} | MIT |" in notice


def test_page_and_assets_over_http(live: str, seeded: dict[str, str]) -> None:
    page = httpx.get(f"{live}/graphql", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "://" not in page.text.replace("data:,", "")  # no absolute URL, no CDN
    assert "<script>" not in page.text  # every script is a file: the CSP refuses inline ones
    urls = re.findall(r'(?:src|href)="(/graphiql/static/[^"]+)"', page.text)
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == sorted(assets())  # all, and only
    script = httpx.get(live + urls[-1], headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert script.status_code == 200 and "createFetcher" in script.text
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    for url in urls:
        served = httpx.get(live + url, headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert served.content == assets()[url.rsplit("/", 1)[1]].read_bytes()
        compressed = len(served.content) >= 1000  # the app's GZip middleware, from 1 KB
        assert served.headers.get("content-encoding") == ("gzip" if compressed else None)
    stale = re.sub(r"/static/\w+/", "/static/0000000000000000/", urls[-1])
    assert httpx.get(live + stale, timeout=30).status_code == 404
    with serving(
        {**seeded, "DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": PRODUCTION_SECRET}
    ) as prod:
        assert httpx.get(prod + urls[-1], timeout=30).status_code == 404  # development only


def need_chromium() -> None:
    """Debian's chromium: `make test` installs it; without it the test skips, except in CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is required in CI (make test installs it)")
        pytest.skip("chromium is not installed (run `make test`)")


def test_graphiql_renders_and_queries_offline(
    live: str, seeded: dict[str, str], tmp_path: Path
) -> None:
    need_chromium()
    bearer = token(seeded, "jiangjin_admin")
    requests: list[Request] = []
    problems: list[str] = []

    def offline(route: Route) -> None:
        """Whatever is not this server's is refused, as on a network without internet."""
        if route.request.url.startswith(live + "/"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=FLAGS
        )
        try:
            context.on("request", lambda request: requests.append(request))
            context.route("**/*", offline)
            context.add_init_script(VIOLATIONS)
            page = context.new_page()
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live}/graphql")
            page.locator(".graphiql-query-editor .CodeMirror").wait_for()

            def button(name: str) -> None:
                page.get_by_role("button", name=name).click()

            def replace(editor: str, text: str) -> None:
                page.locator(f"{editor} .CodeMirror").click()
                page.keyboard.press("Control+A")
                page.keyboard.insert_text(text)  # as pasted: no brackets closed for us
                assert page.evaluate(CODEMIRROR, f"{editor} .CodeMirror") == text

            button("Open settings dialog")  # a dialog adds <style> elements (the CSP)
            page.get_by_role("dialog").wait_for()
            page.keyboard.press("Escape")
            button("Show GraphiQL Explorer")  # the plugin, on the introspected schema
            page.locator(".graphiql-explorer-root").get_by_text("viewer").first.wait_for()
            button("Headers")
            headers = json.dumps({"Authorization": f"Bearer {bearer}"})
            replace(".graphiql-editor-tool .graphiql-editor:not(.hidden)", headers)
            replace(".graphiql-query-editor", QUERY)
            button("Execute query (Ctrl-Enter)")
            page.locator(".result-window").get_by_text("jiangjin_admin").wait_for()
            answer = json.loads(page.evaluate(CODEMIRROR, ".result-window .CodeMirror"))
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            problems += page.evaluate("window.violations")
        finally:
            context.close()
    print(f"\nscreenshot: {SCREENSHOT}")
    assert answer["data"]["viewer"]["username"] == "jiangjin_admin"
    assert answer["data"]["viewer"]["displayName"]
    sent = [r for r in requests if r.method == "POST" and QUERY in (r.post_data or "")]
    assert [r.headers.get("authorization") for r in sent] == [f"Bearer {bearer}"]
    assert [r.url for r in requests if not r.url.startswith(live + "/")] == []
    assert problems == []
