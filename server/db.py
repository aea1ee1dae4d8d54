"""Async engine construction and schema migration."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, CompoundSelect, Result, Select, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

import migrations
from resolvers.sqljson import SQLITE_FUNCTIONS

MIGRATIONS_DIR = Path(migrations.__file__).parent
PROGRESS_STEPS = 10_000  # SQLite VM instructions between two looks at a statement's deadline


def make_engine(
    url: str, *, statement_timeout_ms: int = 0, pool_size: int = 0, **kwargs: Any
) -> AsyncEngine:
    """An async engine; SQLite files get WAL, a busy timeout and foreign keys. With
    `statement_timeout_ms`, a statement running longer is cancelled
    (`resolvers.errors.is_timeout`): the API's engine has one, the command line's
    (migrations, seeding) none. With `pool_size`, a PostgreSQL pool holds that many
    connections and opens no more (no overflow sessions opened and closed under load)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            for name, function in SQLITE_FUNCTIONS.items():  # what SQLite lacks
                dbapi_conn.create_function(name, 1, function, deterministic=True)

        if statement_timeout_ms:
            sqlite_deadlines(engine, statement_timeout_ms / 1000)
        return engine
    connect_args = kwargs.pop("connect_args", {})
    if "+asyncpg" in url:
        connect_args = {"connection_class": RidingConnection, **connect_args}
    if statement_timeout_ms:
        server_settings = {
            **connect_args.get("server_settings", {}),
            "statement_timeout": str(statement_timeout_ms),
        }
        connect_args = {**connect_args, "server_settings": server_settings}
    kwargs["connect_args"] = connect_args
    if pool_size:
        kwargs.update(pool_size=pool_size, max_overflow=0)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _alive)
    return engine


def _alive(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection whose server end has gone (a killed backend, a
    restart) is replaced at checkout: asyncpg notices the closed socket on the event loop,
    so asking costs no round trip, unlike a pre-ping's `SELECT` on every checkout."""
    if dbapi_conn.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


class RidingConnection(asyncpg.Connection):
    """asyncpg's connection, whose next `BEGIN` may carry one more statement in its round
    trip (`begin_checking`): the simple query protocol runs both and answers with the last
    one's command tag."""

    rider: str | None = None  # the statement to send with the next BEGIN
    tag = ""  # the rider's command tag: "SELECT 1" when it found its row

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        rider = self.rider
        if rider is None or args or not query.startswith("BEGIN"):
            return await super().execute(query, *args, timeout=timeout)
        self.rider = None
        self.tag = await super().execute(f"{query} {rider}", timeout=timeout)  # BEGIN …;
        return self.tag


async def begin_checking(session: AsyncSession, check: str) -> bool | None:
    """Begin the session's transaction now, with `check` (a literal SELECT of at most one
    row) in the BEGIN's own round trip: whether it found its row. None where that cannot be
    done: not PostgreSQL through `make_engine`, or the transaction began already.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily before the first statement; this starts
    it early through the adapter's own `_start_transaction`, so that the adapter tracks the
    transaction as ever (commit, rollback). `tests/test_principals.py` counts the trips."""
    raw = await (await session.connection()).get_raw_connection()
    driver, adapted = raw.driver_connection, cast(Any, raw.dbapi_connection)
    if not isinstance(driver, RidingConnection) or adapted._transaction is not None:
        return None
    driver.rider, driver.tag = check, ""
    try:
        await adapted._start_transaction()
    finally:
        driver.rider = None
    return driver.tag == "SELECT 1"


class Deadline:
    """When the statement running on one SQLite connection must stop (None: none running).
    Set and cleared on the event loop, read by SQLite's progress handler in aiosqlite's
    thread: a float swap is atomic there."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at: float | None = None

    def passed(self) -> bool:
        at = self.at
        return at is not None and time.monotonic() > at


def sqlite_deadlines(engine: AsyncEngine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler, called every few thousand VM
    steps, interrupts a statement past its deadline (`sqlite3.OperationalError:
    interrupted`). Only the statement itself: commits and rollbacks are never cut."""

    @event.listens_for(engine.sync_engine, "connect")
    def _handler(dbapi_conn: Any, record: Any) -> None:
        deadline = record.info["deadline"] = Deadline()
        dbapi_conn.run_async(lambda raw: raw.set_progress_handler(deadline.passed, PROGRESS_STEPS))

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Connection, *_: Any) -> None:
        conn.connection.info["deadline"].at = time.monotonic() + seconds

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _stop(conn: Connection, *_: Any) -> None:
        conn.connection.info["deadline"].at = None

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        if context.connection is not None and not context.connection.closed:
            context.connection.connection.info["deadline"].at = None


def column_read(stmt: object) -> bool:
    """A SELECT of columns only (no mapped entity to build): rows, not ORM objects.

    An entity (or alias, or bundle) appears among a select's raw columns as something other
    than a column expression; reading them is cheaper than `column_descriptions`, which
    costs a noticeable share of a small request on a statement with subqueries."""
    if isinstance(stmt, CompoundSelect):
        return all(column_read(part) for part in stmt.selects)
    return isinstance(stmt, Select) and all(isinstance(c, ColumnElement) for c in stmt._raw_columns)


class Session(AsyncSession):
    """The request session. Column reads, nearly all of an API request, run on the session's
    connection as Core statements: the same SQL and transaction, without the ORM's per-row
    loading machinery (half the time of a 100-row page). Entity selects and writes keep the
    ORM path; pending ORM changes are flushed first, as autoflush would. Rows are keyed as
    Core keys them: label computed columns (`func.count().label("n")`)."""

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Result[Any]:
        if kw or not column_read(statement):
            return await super().execute(statement, params, **kw)
        if self.autoflush and (self.new or self.dirty or self.deleted):
            await self.flush()
        return await (await self.connection()).execute(statement, params)

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        if kw or not column_read(statement):
            return await super().scalar(statement, params, **kw)
        return (await self.execute(statement, params)).scalar()


def _alembic_config(connection: Connection | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


async def _migrate(engine: AsyncEngine, step: Callable[[Config], None]) -> None:
    """Run `step` in one transaction. On SQLite, foreign keys are off meanwhile (outside a
    transaction is the only place SQLite lets them change): rebuilding a table that others
    refer to drops it for a moment. Then they are checked, and on again."""
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()  # ends the autobegun transaction; SQLite itself opened none
        try:
            async with conn.begin():
                await conn.run_sync(lambda sync: step(_alembic_config(sync)))
                if sqlite and (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first():
                    raise RuntimeError("a migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision`."""
    await _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Revert Alembic migrations down to `revision`."""
    await _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


class DatabaseNotReady(Exception):
    """The database is missing, empty or behind the code's migrations; the message says what
    to run."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def head_revision() -> str:
    """The newest migration of this code."""
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head() or "base"


def require_file(url: str) -> None:
    """Refuse to open a SQLite file that is not there (connecting would create it empty)."""
    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise DatabaseNotReady(f"no database at {file}: run `dangjian db upgrade`")


async def check_revision(engine: AsyncEngine) -> None:
    """The database is at the code's head migration, else DatabaseNotReady with one line."""

    def current(sync: Connection) -> str | None:
        return MigrationContext.configure(sync).get_current_revision()

    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(current)
    except (OSError, DBAPIError) as e:
        raise DatabaseNotReady(f"database unreachable: {type(e).__name__}") from None
    head = head_revision()
    if found != head:
        raise DatabaseNotReady(
            f"database at revision {found or 'none (empty)'}, expected {head}: "
            "run `dangjian db upgrade`"
        )
