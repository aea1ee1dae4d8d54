"""The per-request context: one DB session, one principal, fresh DataLoaders."""

import datetime as dt
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from authz.principal import Principal
from authz.scope import Scope, scope_for
from resolvers.errors import Unauthenticated

BatchFn = Callable[["Context", Sequence[Any]], Awaitable[Sequence[Any]]]


@dataclass
class Context:
    session: AsyncSession
    principal: Principal | None
    auth_error: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    request: Any = None
    hours_target: float = 50.0  # volunteer hours a year (a setting: DANGJIAN_HOURS_TARGET)
    _loaders: dict[Hashable, DataLoader] = field(default_factory=dict)
    _scopes: dict[tuple[str, str], Scope] = field(default_factory=dict)

    def require(self) -> Principal:
        """The authenticated caller, or UNAUTHENTICATED."""
        if self.principal is None:
            raise Unauthenticated(self.auth_error or "authentication required")
        return self.principal

    def scope(self, resource: str, action: str) -> Scope:
        """Where the caller may do `action` on `resource` (computed once per request)."""
        key = (resource, action)
        if key not in self._scopes:
            self._scopes[key] = scope_for(self.require(), resource, action)
        return self._scopes[key]

    async def load(self, batch: BatchFn, key: Any) -> Any:
        """One item through this request's loader for `batch`; None for a None key."""
        return None if key is None else await self.loader(batch).load(key)

    def loader(self, batch: BatchFn) -> DataLoader:
        """This request's DataLoader for `batch` (keys must be hashable)."""
        if batch not in self._loaders:
            self._loaders[batch] = DataLoader(load_fn=lambda keys: batch(self, keys))
        return self._loaders[batch]
