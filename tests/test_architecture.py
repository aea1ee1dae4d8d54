"""The shape of the source, held by a test: imports only go down the layers (server → schema →
resolvers → authz / domain → models; engine/ beside them imports none of ours), domain rules
import no framework, and the wall clock is
read by the business clock alone. Each check is also shown failing on a planted violation."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# what each package of ours may import (besides itself)
MAY_IMPORT = {
    "engine": set(),  # graphql-core and strawberry only
    "models": set(),
    "domain": {"models"},
    "authz": {"models", "domain"},
    "resolvers": {"authz", "domain", "models"},
    "schema": {"engine", "resolvers", "authz", "domain", "models"},
    "server": {
        "schema",
        "engine",
        "resolvers",
        "authz",
        "domain",
        "models",
        "datagen",
        "migrations",
    },
    "datagen": {"resolvers", "authz", "domain", "models"},
    "migrations": {"domain", "models"},
}
OURS = set(MAY_IMPORT) | {"bench", "tests"}
FRAMEWORKS = {"sqlalchemy", "strawberry", "graphql", "starlette", "alembic", "casbin", "httpx"}


SCANNED = ("authz", "bench", "datagen", "domain", "engine", "migrations", "models", "resolvers")
SOURCES = sorted(
    p
    for d in (*SCANNED, "schema", "server", "tests")
    for p in (ROOT / d).rglob("*.py")
    if "node_modules" not in p.parts  # npm packages (bench/peer) may ship Python helpers
)
# the one reader of business time, and JWT lifetimes (protocol time, verified by PyJWT's clock)
ALLOWED = {("domain/clock.py", "datetime.now"), ("authz/tokens.py", "time.time")}
ALLOWED |= {("tests/test_auth.py", "time.time")}
# a real `dangjian` process runs on the real clock: its rows are dated by it
ALLOWED |= {("tests/test_settings.py", "datetime.now")}
WALL = {"now", "today", "utcnow", "utcfromtimestamp", "fromtimestamp"}
TIME_READS = {"time", "time_ns", "localtime", "gmtime", "ctime", "strftime"}


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """Calls that read the wall clock, or build a moment without a zone."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (attr in WALL and name in ("datetime", "date")) or (
            attr in TIME_READS and name == "time"
        ):
            found.append((node.lineno, f"{name}.{attr}"))
        elif (
            attr == "combine"
            and name == "datetime"
            and len(node.args) < 3
            and not any(k.arg == "tzinfo" for k in node.keywords)
        ):
            found.append((node.lineno, "naive datetime.combine"))
    return found


def test_the_rule_sees_a_wall_clock_read() -> None:
    assert wall_clock_reads("import datetime as dt\nx = dt.datetime.now()\n") == [
        (2, "datetime.now")
    ]
    assert wall_clock_reads("from datetime import date\ndate.today()\n") == [(2, "date.today")]
    assert wall_clock_reads("import time\ntime.time()\n") == [(2, "time.time")]
    assert wall_clock_reads("dt.datetime.combine(d, t)") == [(1, "naive datetime.combine")]
    assert wall_clock_reads("dt.datetime.combine(d, t, tzinfo=z)\nclock().now()\n") == []


def test_only_the_business_clock_reads_the_wall_clock() -> None:
    assert len(SOURCES) > 100
    reads = [
        (str(path.relative_to(ROOT)), line, call)
        for path in SOURCES
        for line, call in wall_clock_reads(path.read_text(encoding="utf-8"))
        if (str(path.relative_to(ROOT)), call) not in ALLOWED
    ]
    assert reads == []


def imported(source: str) -> list[tuple[int, str]]:
    """(line, top-level package) of every import, including those inside functions."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(package: str, source: str) -> list[str]:
    """Imports that `package` may not make."""
    wrong = []
    for line, name in imported(source):
        if name in OURS and name != package and name not in MAY_IMPORT[package]:
            wrong.append(f"{line}: {package} imports {name}")
        if package == "domain" and name in FRAMEWORKS:
            wrong.append(f"{line}: domain imports {name}")
    return wrong


STATEMENTS = {"select", "update", "delete", "insert", "text"}
ENTRY_POINTS = {"scoped", "authorized", "unscoped"}


def unmarked_statements(source: str) -> list[tuple[int, str]]:
    """SQL statements built outside the registry's entry points: a bare `select(…)` in a
    resolver must stand inside `unscoped(…, why=…)` (the others build their own)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in STATEMENTS:
            continue
        up = parents.get(node)
        while up is not None and not (
            isinstance(up, ast.Call)
            and isinstance(up.func, ast.Name)
            and up.func.id in ENTRY_POINTS
        ):
            up = parents.get(up)
        if up is None:
            found.append((node.lineno, node.func.id))
    return found


def sources(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "node_modules" not in p.parts)


def test_planted_violations_are_seen() -> None:
    assert violations("models", "from resolvers.context import Context\n") == [
        "1: models imports resolvers"
    ]
    assert violations("resolvers", "def f():\n    from schema import build_schema\n") == [
        "2: resolvers imports schema"
    ]
    assert violations("domain", "import sqlalchemy\nfrom graphql import GraphQLError\n") == [
        "1: domain imports sqlalchemy",
        "2: domain imports graphql",
    ]
    assert violations("schema", "from resolvers import dues\nimport datetime\n") == []


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_go_down_the_layers(package: str) -> None:
    files = sources(package)
    assert files, package
    wrong = [
        f"{path.relative_to(ROOT)}:{v}"
        for path in files
        for v in violations(package, path.read_text(encoding="utf-8"))
    ]
    assert wrong == []


def test_planted_unmarked_statement_is_seen() -> None:
    source = (
        "a = unscoped(select(X).where(X.id == 1), why='own row')\n"
        "b = scoped(scope, X, X.id).where(X.n == 2)\n"
        "c = select(X.id)\n"
        "d = session.execute(update(X).values(n=1))\n"
    )
    assert unmarked_statements(source) == [(3, "select"), (4, "update")]


def test_resolvers_read_and_write_through_the_registry() -> None:
    """Every statement in resolvers/ is scoped, authorized or marked unscoped with a reason."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in sources("resolvers")
        for line, call in unmarked_statements(path.read_text(encoding="utf-8"))
    ]
    assert found == []
