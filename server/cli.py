"""The `dangjian` command line (a contract: README, "Command line")."""

import asyncio
import json
import sys
from typing import Annotated, Any

import click
import typer

from domain.clock import use_zone
from server.settings import Settings
from server.settings import load_settings as read_settings

app = typer.Typer(help="dangjian: role-scoped GraphQL API for Party affairs.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
import_app = typer.Typer(help="Bulk imports.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def load_settings() -> Settings:
    """The settings, in effect for this command (the business clock's zone among them)."""
    settings = read_settings()
    use_zone(settings.timezone)
    return settings


def _engine(*, create: bool = False):
    """The database of the settings; only `db upgrade` may create a SQLite file."""
    from server.db import make_engine, require_file

    url = load_settings().database_url
    if not create:
        require_file(url)
    return make_engine(url)


def _ready() -> None:
    """The database exists and is at this code's migration (else one line and exit 2)."""
    from server.db import check_revision

    async def check() -> None:
        engine = _engine()
        try:
            await check_revision(engine)
        finally:
            await engine.dispose()

    asyncio.run(check())


# typer vendors its own click: its usage errors derive from that copy's ClickException
USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    {
        click.ClickException,
        *(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
    }
)


def main() -> None:
    """The `dangjian` command: a mistake or an unready database is one line, not a traceback."""
    from server.db import DatabaseNotReady

    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="dangjian", standalone_mode=False)
    except USAGE_ERRORS as e:
        usage: Any = e  # either click's class: both have show() and exit_code
        usage.show()  # the usage line and the one-line reason, as click prints them
        sys.exit(usage.exit_code)
    except typer.Abort:
        sys.exit(1)
    except (ValueError, DatabaseNotReady) as e:
        sys.stderr.write(f"dangjian: error: {e}\n")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    from server.db import upgrade

    async def run() -> None:
        engine = _engine(create=True)
        await upgrade(engine, revision)
        await engine.dispose()

    asyncio.run(run())
    typer.echo(f"database at {revision}")


@app.command()
def seed(
    scale: Annotated[str, typer.Option(help="demo | chongqing")] = "demo",
    reset: Annotated[bool, typer.Option(help="replace existing data")] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="the day the data set stands at (YYYY-MM-DD; default today)"),
    ] = None,
    factor: Annotated[
        float, typer.Option(help="times the city's streets, townships and units (scale curve)")
    ] = 1.0,
    base_only: Annotated[
        bool, typer.Option(help="organisations, members and the demo accounts only")
    ] = False,
) -> None:
    """Load the deterministic data set; skipped when data exist, unless --reset."""
    import datetime as dt

    from datagen.seed import SCALES, terminal_progress
    from datagen.seed import seed as run_seed

    if scale not in SCALES:
        raise typer.BadParameter(f"scale must be one of {', '.join(SCALES)}")
    if not 0 < factor <= 100:
        raise typer.BadParameter("--factor must be above 0 and at most 100")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("--as-of must be a date, YYYY-MM-DD") from None
    if reset and load_settings().production:
        raise ValueError("seed --reset erases every row, the audit trail too: not in production")
    _ready()

    async def run():
        engine = _engine()
        try:
            return await run_seed(
                engine,
                scale,
                reset=reset,
                progress=terminal_progress,
                as_of=day,
                factor=factor,
                base_only=base_only,
            )
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if report is None:
        typer.echo("database already holds data: nothing seeded (use --reset to replace it)")
    else:
        typer.echo(json.dumps(report.__dict__, ensure_ascii=False))
        cockpit_warm()


@app.command("cockpit-warm")
def cockpit_warm(
    months: Annotated[int, typer.Option(help="months up to this one", min=1, max=24)] = 24,
) -> None:
    """Compute the cockpit's maintained counts ahead (after a seed, a restore, or a move of a
    district), so that no first cockpit read computes whole months."""
    import time

    from resolvers.cockpit import warm
    from resolvers.context import Context
    from server.db import Session

    _ready()
    settings = load_settings()

    async def run() -> int:
        engine = _engine()
        try:
            async with Session(engine, expire_on_commit=False) as session:
                ctx = Context(
                    session,
                    None,
                    hours_target=settings.hours_target,
                    transfer_deadline_days=settings.transfer_deadline_days,
                )
                return await warm(ctx, months)
        finally:
            await engine.dispose()

    started = time.perf_counter()
    pairs = asyncio.run(run())
    typer.echo(
        f"cockpit tallies ready: {pairs} indicator-months in {time.perf_counter() - started:.1f} s"
    )


@app.command()
def token(username: str, ttl: Annotated[int, typer.Option(help="seconds")] = 3600) -> None:
    """Print a signed JWT for USERNAME (the account's current token version)."""
    _ready()
    from sqlalchemy import select

    from authz.tokens import issue_token
    from models import Account

    settings = load_settings()

    async def version() -> int | None:
        engine = _engine()
        try:
            async with engine.connect() as conn:
                return await conn.scalar(
                    select(Account.token_version).where(Account.username == username)
                )
        finally:
            await engine.dispose()

    ver = asyncio.run(version())
    if ver is None:
        typer.echo(f"no account {username!r}", err=True)
        raise typer.Exit(1)
    typer.echo(
        issue_token(
            settings.jwt_secret,
            username,
            ver,
            ttl=ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    grace: Annotated[
        int, typer.Option(min=1, help="seconds a stop (SIGTERM) waits for requests in flight")
    ] = 30,
) -> None:
    """Serve the API under uvicorn (refused while the database is not migrated, or a saved
    query or manifest is invalid: one line, before any worker starts)."""
    from server.app import documents
    from server.serving import serve as run

    documents(load_settings())
    _ready()
    run(host, port, workers, grace=grace)


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (DANGJIAN_* variables), secrets hidden."""
    from server.settings import shown

    for name, value in shown(load_settings()):
        typer.echo(f"{name}={value}")


@app.command("export-schema")
def export_schema(
    output: Annotated[str, typer.Option(help="file to write; - for stdout")] = "schema.graphql",
) -> None:
    """Write the GraphQL SDL (schema.graphql at the repository root by default)."""
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output == "-":
        typer.echo(sdl, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(sdl)
        typer.echo(f"wrote {output}")


@app.command()
def query(
    name: str,
    user: Annotated[str, typer.Option(help="run as this account")],
    var: Annotated[list[str] | None, typer.Option(help="variable as k=v (repeatable)")] = None,
    format: Annotated[str, typer.Option(help="json | csv")] = "json",
) -> None:
    """Run the saved query NAME as USER (same scopes and masking as over HTTP)."""
    from server.local import run_saved

    if format not in ("json", "csv"):
        raise typer.BadParameter("format must be json or csv")
    values: dict[str, list[str]] = {}
    for item in var or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--var takes k=v, not {item!r}")
        values.setdefault(key, []).append(value)
    _ready()
    code = asyncio.run(run_saved(load_settings(), name, user, values, format))
    raise typer.Exit(code)


@app.command("audit-purge")
def audit_purge() -> None:
    """Delete audit rows older than DANGJIAN_AUDIT_RETENTION_DAYS (default 180)."""
    _ready()
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.clock import clock
    from resolvers.audit import purge

    settings = load_settings()

    async def run() -> int:
        engine = _engine()
        try:
            async with AsyncSession(engine) as session:
                return await purge(session, settings.audit_retention_days, clock().today())
        finally:
            await engine.dispose()

    typer.echo(
        f"deleted {asyncio.run(run())} audit rows older than {settings.audit_retention_days} days"
    )


@import_app.command("members")
def import_members(
    file: str,
    user: Annotated[str, typer.Option(help="import as this account (its scope decides)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check every row, add none")] = False,
) -> None:
    """Import members from FILE (.xlsx or .csv, the national system's columns): every problem
    reported with its row number; a real run adds all rows or none."""
    from server.member_import import import_locally

    _ready()
    raise typer.Exit(asyncio.run(import_locally(file, user, dry_run, load_settings())))
