"""The `dangjian` command line (a contract: README, "Command line")."""

import asyncio
import json
from typing import Annotated

import typer

from server.settings import load_settings

app = typer.Typer(help="dangjian: role-scoped GraphQL API for Party affairs.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _engine():
    from server.db import make_engine

    return make_engine(load_settings().database_url)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    from server.db import upgrade

    async def run() -> None:
        engine = _engine()
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
) -> None:
    """Load the deterministic data set; skipped when data exist, unless --reset."""
    import datetime as dt

    from datagen.seed import SCALES, terminal_progress
    from datagen.seed import seed as run_seed

    if scale not in SCALES:
        raise typer.BadParameter(f"scale must be one of {', '.join(SCALES)}")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("--as-of must be a date, YYYY-MM-DD") from None

    async def run():
        engine = _engine()
        try:
            return await run_seed(engine, scale, reset=reset, progress=terminal_progress, as_of=day)
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if report is None:
        typer.echo("database already holds data: nothing seeded (use --reset to replace it)")
    else:
        typer.echo(json.dumps(report.__dict__, ensure_ascii=False))


@app.command()
def token(username: str, ttl: Annotated[int, typer.Option(help="seconds")] = 3600) -> None:
    """Print a signed JWT for USERNAME (the account's current token version)."""
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
    typer.echo(issue_token(settings.jwt_secret, username, ver, ttl=ttl))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the API under uvicorn."""
    from server.serving import serve as run

    load_settings()
    run(host, port, workers)


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
    code = asyncio.run(run_saved(load_settings(), name, user, values, format))
    raise typer.Exit(code)


@app.command("audit-purge")
def audit_purge() -> None:
    """Delete audit rows older than DANGJIAN_AUDIT_RETENTION_DAYS (default 180)."""
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
