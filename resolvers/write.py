"""The write template: the one way a mutation changes data (a unit of work).

A mutation field hands `perform` its GraphQL field name and an action. Before the action runs,
the template holds the org tree (`resolvers.rehome.hold_tree`): shared, or alone for an action
marked `rewrites_paths`, so no write copies a path a move is rewriting. The action checks the
permission, loads what it changes through the session (never through the request's loaders,
which may hold what an earlier field of the same document read), applies the rules of
`domain/` (a `RuleViolation` becomes BAD_USER_INPUT, an `OwnWork` FORBIDDEN) and says what
changed (`Write.record`).
The template then flushes (integrity errors become client errors), writes one audit row per
change under the field name, commits, and clears the loaders so later fields and the payload
see the change. On any failure it rolls back and records the refusal under the field name, in
its own transaction: an alias chosen by the client never names an audit row.

Every string the action writes to a column, as a pending row or through an INSERT or UPDATE it
executes, is held to the column's length (`models.base.max_chars`) before it reaches the
database: longer is BAD_USER_INPUT naming the input field, never a truncation (the input would
be lost without a word) nor an internal error (PostgreSQL refuses what SQLite would store).
"""

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any, TypeVar, cast

from graphql import GraphQLError
from sqlalchemy import CursorResult, Executable, Row, event
from sqlalchemy import inspect as inspect_row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import ValuesBase
from strawberry.utils.str_converters import to_camel_case

from authz.registry import authorized
from authz.resources import Action
from domain.errors import OwnWork, RuleViolation
from models.base import max_chars
from resolvers.context import Context
from resolvers.errors import BadUserInput, ClientError, Conflict, Forbidden
from resolvers.ids import to_global_id
from resolvers.rehome import hold_tree

T = TypeVar("T")
A = TypeVar("A", bound=Callable[..., Any])
log = logging.getLogger(__name__)


class Replay(Exception):
    """The request was carried out before (an idempotent retry): its first answer."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer


@dataclass(frozen=True)
class Change:
    target: str | None
    scope_path: str
    before: dict | None
    after: dict | None


class Write:
    """One change in progress, handed to a mutation's action."""

    def __init__(self, ctx: Context, operation: str) -> None:
        self.ctx = ctx
        self.operation = operation
        self.changes: list[Change] = []
        self.refused: list[Change] = []

    @property
    def session(self) -> AsyncSession:
        return self.ctx.session

    async def authorized(
        self, model: type, pk: int | None, action: Action, *columns: Any, **options: Any
    ) -> Row | None:
        """`authz.registry.authorized` for the caller, noting a target found and refused."""
        if pk is None:
            return None
        return await authorized(
            self.session,
            self.ctx.require(),
            model,
            pk,
            action,
            *columns,
            refused=lambda path: self.refuse(to_global_id(model.__name__, pk), path),
            **options,
        )

    def refuse(self, target: str, scope_path: str) -> None:
        """A target that exists but is not the caller's to change: if the write fails, the
        attempt is recorded in its organisation's trail too, where its administrators look
        (the caller is told nothing of it)."""
        self.refused.append(Change(target, scope_path, None, None))

    def record(
        self,
        target: str | None,
        scope_path: str,
        *,
        before: dict | None = None,
        after: dict | None = None,
    ) -> None:
        """What changed, for the audit row the template writes with it."""
        self.changes.append(Change(target, scope_path, before, after))

    async def change(self, statement: Executable) -> int:
        """Run an UPDATE or DELETE; how many rows it changed."""
        return cast("CursorResult[Any]", await self.session.execute(statement)).rowcount

    async def flush(
        self,
        conflict: ClientError | None = None,
        replay: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        """Send pending rows now (ids are needed); a unique or foreign-key violation is the
        client's `conflict`, unless `replay` finds the same request already carried out."""
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            if replay is not None and (answer := await replay()) is not None:
                raise Replay(answer) from None
            raise conflict or Conflict("a concurrent change conflicts with this one") from None


def rewrites_paths(action: A) -> A:
    """Marks an action that rewrites org paths (a move, a merge): it holds the tree alone
    (`resolvers.rehome.hold_tree`); every other action holds it shared."""
    action.rewrites_paths = True  # type: ignore[attr-defined]
    return action


def _input_field(value: str, action: Callable[..., Any], args: tuple) -> str | None:
    """The input field that carried `value`: an action's parameters, and the fields of a
    dataclass it is given, bear the names of the input fields they carry (snake_case)."""
    given = inspect.signature(action).bind_partial(None, *args).arguments
    for name, arg in given.items():
        fields = (
            [(f.name, getattr(arg, f.name)) for f in dataclasses.fields(arg)]
            if dataclasses.is_dataclass(arg) and not isinstance(arg, type)
            else [(name, arg)]
        )
        for field, sent in fields:
            if isinstance(sent, str) and value in sent:  # what is stored may be trimmed
                return to_camel_case(field)
    return None


def _hold_to_lengths(
    written: Iterable[tuple[Any, Any]], action: Callable[..., Any], args: tuple
) -> None:
    """BAD_USER_INPUT for the first (column, value) whose string is longer than the column
    holds, naming the input field it came from (else the column, as the API names it)."""
    for column, value in written:
        most = max_chars(column)
        if isinstance(value, str) and most is not None and len(value) > most:
            field = _input_field(value, action, args) or to_camel_case(column.key)
            raise BadUserInput(f"{field} must be at most {most} characters")


def _pending(session: Session) -> Iterator[tuple[Any, Any]]:
    """(column, value) of what rows added or changed in `session` would write."""
    for row in chain(session.new, session.dirty):
        state = inspect_row(row)
        for attr in state.mapper.column_attrs:
            if attr.key in state.dict:
                yield attr.columns[0], state.dict[attr.key]


def _statement_values(statement: Any) -> Iterator[tuple[Any, Any]]:
    """(column, value) of what an INSERT or UPDATE sets: its parameters named as columns (the
    WHERE clause's are named `<column>_<n>`)."""
    if not isinstance(statement, ValuesBase):
        return
    params = statement.compile().params
    for column in statement.table.columns:
        if column.key in params:
            yield column, params[column.key]


@contextmanager
def _held_to_lengths(
    session: AsyncSession, action: Callable[..., Any], args: tuple
) -> Iterator[None]:
    """While the action runs and its rows are flushed: every flush (autoflush too) and every
    statement the session executes is checked first (`_hold_to_lengths`)."""
    sync = session.sync_session

    def flushing(s: Session, *_: Any) -> None:
        _hold_to_lengths(_pending(s), action, args)

    def executing(state: ORMExecuteState) -> None:
        _hold_to_lengths(_statement_values(state.statement), action, args)

    event.listen(sync, "before_flush", flushing)
    event.listen(sync, "do_orm_execute", executing)
    try:
        yield
    finally:
        event.remove(sync, "before_flush", flushing)
        event.remove(sync, "do_orm_execute", executing)


def _code(error: Exception) -> str:
    if isinstance(error, GraphQLError):
        return str((error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR"))
    return "INTERNAL_SERVER_ERROR"


async def _record_refusal(write: Write, error: Exception) -> None:
    """The refused or failed attempt, under the caller's own scope, and under the
    organisation of each target the write found and refused (`Write.refuse`)."""
    ctx, code = write.ctx, _code(error)
    principal = ctx.principal
    scope = principal.grants[0].path if principal and principal.grants else "/"
    ctx.audit(write.operation, None, scope, success=False, error_code=code)
    for target in {r.scope_path: r for r in write.refused if r.scope_path != scope}.values():
        ctx.audit(write.operation, target.target, target.scope_path, success=False, error_code=code)
    try:
        await ctx.session.commit()
    except Exception:  # the refusal stands; the trail's failure must not hide it
        log.exception("could not record the refused %s", write.operation)
        await ctx.session.rollback()


async def perform(
    ctx: Context, operation: str, action: Callable[..., Awaitable[T]], *args: Any
) -> T:
    """Run `action(write, *args)` as the mutation field `operation` (the module docstring)."""
    write = Write(ctx, operation)
    try:
        with _held_to_lengths(ctx.session, action, args):
            await hold_tree(ctx.session, alone=getattr(action, "rewrites_paths", False))
            try:
                result = await action(write, *args)
            except RuleViolation as violation:
                raise BadUserInput(str(violation)) from None
            except OwnWork as own:
                raise Forbidden(str(own)) from None
            await write.flush()
    except Replay as replay:
        await ctx.session.rollback()
        ctx.clear_loaders()
        return replay.answer
    except Exception as error:
        await ctx.session.rollback()
        ctx.clear_loaders()
        await _record_refusal(write, error)
        raise
    for change in write.changes:
        ctx.audit(
            operation, change.target, change.scope_path, before=change.before, after=change.after
        )
    await ctx.session.commit()
    ctx.clear_loaders()
    return result
