"""GraphiQL served by the app itself, in development only: the page and its assets, pinned and
vendored in static/ (vendor.json, NOTICE.md), so the IDE works on a network without internet.

Asset URLs carry a digest of static/, so a browser may keep them for good (`immutable`) and a
change of any file is a new URL. Like the page, they are not served in production: they are
of no use there, and a production server answers for nothing it does not need."""

import functools
import hashlib
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PREFIX = "/graphiql/static"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Same origin only, no inline script. Inline styles stay: GraphiQL's dialogs (Radix) add <style>
# elements; its CSS embeds its fonts as data: URLs. tests/test_graphiql.py sees no violation.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


@functools.cache
def assets() -> dict[str, Path]:
    """The files that may be served, by name: nothing outside static/ can be asked for."""
    return {p.name: p for p in sorted(STATIC.iterdir()) if p.suffix in TYPES}


@functools.cache
def digest() -> str:
    """Names this set of assets in their URLs."""
    h = hashlib.sha256()
    for name, path in assets().items():
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@functools.cache
def page_html() -> str:
    template = Template((HERE / "page.html").read_text(encoding="utf-8"))
    return template.substitute(static=f"{PREFIX}/{digest()}")


def page() -> Response:
    """The IDE; revalidated on each visit, since it names the current asset URLs."""
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", **NOSNIFF}
    return HTMLResponse(page_html(), headers=headers)


async def asset(request: Request) -> Response:
    path = assets().get(request.path_params["name"])
    if path is None or request.path_params["digest"] != digest():
        return Response(status_code=404)
    headers = {"Cache-Control": "public, max-age=31536000, immutable", **NOSNIFF}
    return FileResponse(path, media_type=TYPES[path.suffix], headers=headers)


routes = [Route(PREFIX + "/{digest}/{name}", asset, methods=["GET", "HEAD"])]
