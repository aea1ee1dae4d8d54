"""Lists and aggregates: the subtrees where a principal may act, as one SQL predicate."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, false, or_

from authz.enforcer import roles_with
from authz.paths import any_subtree, outermost
from authz.principal import SELF_ROLE, Principal


@dataclass(frozen=True)
class Scope:
    """`everything` (a grant at the tree root), else subtree `paths` and/or the caller's self."""

    everything: bool = False
    paths: tuple[str, ...] = ()
    member_id: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.everything or self.paths or self.member_id is not None)

    def covers(self, path: str, owner: int | None = None) -> bool:
        """Whether one object lies in scope (same rule as the predicate)."""
        if self.everything or path.startswith(self.paths):
            return True
        return self.member_id is not None and owner == self.member_id

    def predicate(
        self,
        path_col: ColumnElement[str],
        member_col: ColumnElement[int] | None = None,
        also: Sequence[ColumnElement[str]] = (),
    ) -> ColumnElement[bool] | None:
        """None for the whole tree (emit no predicate), else an OR of ranges and self.

        `also` lists further path columns that place the row in a subtree too (dual
        visibility: a check-in belongs to its community and to the member's own org)."""
        return scope_predicate(self, path_col, member_col, tuple(also))

    def apply(
        self,
        stmt: Select,
        path_col: ColumnElement[str],
        member_col: ColumnElement[int] | None = None,
        also: Sequence[ColumnElement[str]] = (),
    ) -> Select:
        """`stmt` filtered to this scope."""
        pred = self.predicate(path_col, member_col, also)
        return stmt if pred is None else stmt.where(pred)


@lru_cache(maxsize=4096)
def scope_predicate(
    scope: Scope,
    path_col: ColumnElement[str],
    member_col: ColumnElement[int] | None,
    also: tuple[ColumnElement[str], ...],
) -> ColumnElement[bool] | None:
    """`Scope.predicate`, built once per scope and columns: SQL expressions are immutable,
    and a caller's scope is the same on every request."""
    if scope.everything:
        return None
    clauses: list[ColumnElement[bool]] = []
    if scope.paths:
        clauses += [any_subtree(col, scope.paths) for col in (path_col, *also)]
    if scope.member_id is not None and member_col is not None:
        clauses.append(member_col == scope.member_id)
    return or_(*clauses) if clauses else false()


def scope_for(principal: Principal, resource: str, action: str) -> Scope:
    """The principal's grants whose role allows (resource, action), nested prefixes dropped."""
    if not principal.active:
        return Scope()
    roles = roles_with(resource, action)
    paths = outermost(p for r in roles if r != SELF_ROLE for p in principal.paths_for(r))
    me = principal.member_id if SELF_ROLE in roles else None
    if any(p.count("/") == 2 for p in paths):  # a grant at the tree root: `/1/`
        return Scope(everything=True)
    return Scope(paths=paths, member_id=me)
