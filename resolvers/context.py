"""The per-request context: one DB session, one principal, fresh DataLoaders."""

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from authz.masking import redact
from authz.principal import Principal
from authz.resources import Action, Resource
from authz.scope import Scope, scope_for
from domain.clock import clock
from models import AuditEntry
from resolvers.errors import Unauthenticated

BatchFn = Callable[["Context", Sequence[Any]], Awaitable[Sequence[Any]]]


class Later:
    """The value of a field without resolver that is still to be loaded. Loading starts when
    the executor awaits it, so only if the field is selected, and together with the other
    rows' loads (one DataLoader batch)."""

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[], Awaitable[Any]]) -> None:
        self._load = load

    def __await__(self) -> Any:
        return self._load().__await__()


def _plain(value: Any) -> str:
    """Dates and moments as on the wire (ISO 8601, moments in business time)."""
    if isinstance(value, dt.datetime):
        return clock().local(value).isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


MAX_AUDIT_TEXT = 200  # characters of one string in a before/after document
MAX_AUDIT_ITEMS = 50  # items of one list there
MAX_AUDIT_JSON = 4000  # characters of the whole document


def _bounded(value: Any) -> Any:
    """`value` with long strings and lists cut, saying how much was left out."""
    if isinstance(value, str) and len(value) > MAX_AUDIT_TEXT:
        return f"{value[:MAX_AUDIT_TEXT]}…(+{len(value) - MAX_AUDIT_TEXT} characters)"
    if isinstance(value, dict):
        return {k: _bounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        more = [f"…(+{len(value) - MAX_AUDIT_ITEMS} items)"] if len(value) > MAX_AUDIT_ITEMS else []
        return [_bounded(v) for v in value[:MAX_AUDIT_ITEMS]] + more
    return value


def _json(state: dict | None) -> str | None:
    """A before/after state as bounded JSON: a trail row stays small whatever was sent."""
    if not state:
        return None
    text = json.dumps(_bounded(redact(state)), ensure_ascii=False, default=_plain)
    if len(text) > MAX_AUDIT_JSON:
        return json.dumps({"truncated": f"{len(text)} characters"})
    return text


@dataclass
class Context:
    session: AsyncSession
    principal: Principal | None
    auth_error: str | None = None
    # one instant per request, from the business clock: a change and its audit row agree
    now: dt.datetime = field(default_factory=lambda: clock().now())
    request: Any = None
    hours_target: float = 50.0  # volunteer hours a year (a setting: DANGJIAN_HOURS_TARGET)
    # days a receiving organisation has to answer a transfer (DANGJIAN_TRANSFER_DEADLINE_DAYS)
    transfer_deadline_days: int = 30
    # the caller's X-Request-ID when valid, else ours; ours is recorded beside it in any case
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    server_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # the response is written by orjson: a field may answer with its JSON text (an
    # `orjson.Fragment`, `resolvers/sqljson.py`), which the compiled executor passes through
    splice: bool = False
    # on the compiled route (`server/direct.py`): a field the compiler does not answer raises
    # `resolvers.sqljson.NotCompiled` before reading its rows, and the general path answers
    direct: bool = False
    # a read wrote something to keep (the cockpit's tallies): committed when the operation
    # has run (`settle`), never in the middle of it, where other fields use the session
    keep: bool = False
    # work on the session that must not interleave with itself (a tally's refresh, and the
    # reads that must not see one half done)
    serial: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: dict[Hashable, DataLoader] = field(default_factory=dict)
    _scopes: dict[tuple[Resource, Action], Scope] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        """The request's business date."""
        return self.now.date()

    async def settle(self) -> None:
        """Commit what a read kept (`keep`); a transaction the operation left failed (a
        statement timeout) is rolled back instead, and the work is done again next time."""
        if not self.keep:
            return
        self.keep = False
        try:
            await self.session.commit()
        except DBAPIError:
            await self.session.rollback()

    def require(self) -> Principal:
        """The authenticated caller, or UNAUTHENTICATED."""
        if self.principal is None:
            raise Unauthenticated(self.auth_error or "authentication required")
        return self.principal

    def scope(self, resource: Resource, action: Action) -> Scope:
        """Where the caller may do `action` on `resource` (computed once per request): the
        scope that `authz.registry.scoped` applies to a read."""
        key = (resource, action)
        if key not in self._scopes:
            self._scopes[key] = scope_for(self.require(), resource, action)
        return self._scopes[key]

    async def load(self, batch: BatchFn, key: Any) -> Any:
        """One item through this request's loader for `batch`; None for a None key."""
        return None if key is None else await self.loader(batch).load(key)

    def audit(
        self,
        operation: str,
        target: str | None,
        scope_path: str,
        *,
        before: dict | None = None,
        after: dict | None = None,
        success: bool = True,
        error_code: str | None = None,
    ) -> None:
        """Add the audit row of a change to the session: it commits with the change."""
        principal = self.principal
        self.session.add(
            AuditEntry(
                at=self.now,
                account_id=principal.account_id if principal else None,
                username=principal.username if principal else None,
                roles=",".join(sorted({g.role for g in principal.grants})) if principal else "",
                scope_path=scope_path,
                operation=operation,
                target=target,
                success=success,
                error_code=error_code,
                request_id=self.request_id,
                server_request_id=self.server_request_id,
                before=_json(before),
                after=_json(after),
            )
        )

    def clear_loaders(self) -> None:
        """Forget what this request has loaded: after a write, reads see the change."""
        self._loaders.clear()

    def loader(self, batch: BatchFn) -> DataLoader:
        """This request's DataLoader for `batch` (keys must be hashable)."""
        if batch not in self._loaders:
            self._loaders[batch] = DataLoader(load_fn=lambda keys: batch(self, keys))
        return self._loaders[batch]
