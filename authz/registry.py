"""The scope registry: the one choke point through which resolvers read and load rows.

Every model whose rows sit in the org tree is registered with its resource and the columns that
place a row: its path, the member it belongs to (self access), and further paths (dual
visibility: a check-in is seen from its community and from the member's own org). Resolvers
use three entry points and nothing else (`tests/test_architecture.py` holds that):

- `scoped(scope, model, *columns)`: a list or an aggregate, filtered in SQL (`in_scope` is the
  same filter as a predicate, for an OR of two scopes);
- `authorized(session, principal, model, pk, action, *columns)`: one row for a write, or None,
  exactly as for a row that does not exist;
- `unscoped(statement, why=...)`: a statement that carries no scope on purpose (the caller's
  own row, reference data, a sub-statement tied to a scoped row, a write to a row authorized
  before); `why` says which, for the reader and the reviewer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.enforcer import can
from authz.principal import Principal
from authz.resources import Action, Resource
from authz.scope import Scope
from models import (
    AuditEntry,
    CheckIn,
    DevelopmentCase,
    DuesBase,
    DuesMonth,
    DuesPayment,
    FloatingContact,
    FloatingRecord,
    FloatingReport,
    Member,
    MemberTransfer,
    Organization,
    ServiceRecord,
    ServiceTeam,
    Suggestion,
    Symposium,
)

S = TypeVar("S")


@dataclass(frozen=True)
class Placement:
    """Where a model's rows sit: the resource that reads them and the placing columns.

    `follows` is the column that copies the member's own org path (`member` names the member):
    a transfer rewrites it (`resolvers.rehome`); other paths (a host community) stay put."""

    resource: Resource
    path: Any
    member: Any = None
    also: tuple[Any, ...] = ()
    follows: Any = None


REGISTRY: dict[type, Placement] = {
    Organization: Placement(Resource.ORG, Organization.path),
    Member: Placement(Resource.MEMBER, Member.org_path, Member.id, follows=Member.org_path),
    CheckIn: Placement(
        Resource.CHECKIN,
        CheckIn.community_path,
        CheckIn.member_id,
        (CheckIn.member_org_path,),
        follows=CheckIn.member_org_path,
    ),
    ServiceRecord: Placement(
        Resource.CHECKIN,
        ServiceRecord.community_path,
        ServiceRecord.member_id,
        (ServiceRecord.member_org_path,),
        follows=ServiceRecord.member_org_path,
    ),
    ServiceTeam: Placement(Resource.CHECKIN, ServiceTeam.community_path),
    DuesBase: Placement(
        Resource.DUES, DuesBase.org_path, DuesBase.member_id, follows=DuesBase.org_path
    ),
    DuesPayment: Placement(
        Resource.DUES, DuesPayment.org_path, DuesPayment.member_id, follows=DuesPayment.org_path
    ),
    DuesMonth: Placement(
        Resource.DUES, DuesMonth.org_path, DuesMonth.member_id, follows=DuesMonth.org_path
    ),
    DevelopmentCase: Placement(
        Resource.DEVELOPMENT,
        DevelopmentCase.org_path,
        DevelopmentCase.member_id,
        follows=DevelopmentCase.org_path,
    ),
    # floating members: seen from the home org, the host notified and the branch placed in
    FloatingRecord: Placement(
        Resource.FLOATING,
        FloatingRecord.home_path,
        FloatingRecord.member_id,
        (FloatingRecord.host_path, FloatingRecord.placed_path),
        follows=FloatingRecord.home_path,
    ),
    FloatingContact: Placement(
        Resource.FLOATING,
        FloatingContact.org_path,
        FloatingContact.member_id,
        follows=FloatingContact.org_path,
    ),
    FloatingReport: Placement(
        Resource.FLOATING,
        FloatingReport.home_path,
        FloatingReport.member_id,
        follows=FloatingReport.home_path,
    ),
    Symposium: Placement(Resource.FLOATING, Symposium.org_path),
    Suggestion: Placement(Resource.FLOATING, Suggestion.org_path, Suggestion.member_id),
    AuditEntry: Placement(Resource.AUDIT, AuditEntry.scope_path),
    # seen from both sides; `from_path` is where the member was, so it does not follow them
    MemberTransfer: Placement(
        Resource.TRANSFER,
        MemberTransfer.from_path,
        MemberTransfer.member_id,
        (MemberTransfer.to_path,),
    ),
}


def placement(model: type) -> Placement:
    try:
        return REGISTRY[model]
    except KeyError:
        raise TypeError(f"{model.__name__} is not in the scope registry") from None


def in_scope(scope: Scope, model: type) -> ColumnElement[bool] | None:
    """The scope's filter on `model`'s rows; None when it covers the whole tree."""
    p = placement(model)
    return scope.predicate(p.path, p.member, p.also)


def scoped(scope: Scope, model: type, *columns: Any) -> Select:
    """`columns` of the rows of `model` that `scope` covers (joins may follow)."""
    p = placement(model)
    return scope.apply(select(*columns).select_from(model), p.path, p.member, p.also)


async def authorized(
    session: AsyncSession,
    principal: Principal,
    model: type,
    pk: int | None,
    action: Action,
    *columns: Any,
    resource: Resource | None = None,
    self_allowed: bool = True,
    refused: Callable[[str], None] | None = None,
) -> Row | None:
    """`columns` of row `pk` (and its placing columns) if `principal` may do `action` on it
    (as `resource`, by default the model's; as its owner too unless not `self_allowed`); None
    otherwise, the same answer as for a missing row. `refused` is told the path of a row that
    exists but is not the principal's to change (for the audit trail, never the caller)."""
    if pk is None:
        return None
    p = placement(model)
    placing = [p.path.label("_path")]
    if p.member is not None:
        placing.append(p.member.label("_owner"))
    stmt = select(*columns, *placing).where(model.id == pk)  # type: ignore[attr-defined]
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    member = row._owner if p.member is not None and self_allowed else None
    if can(principal, resource or p.resource, action, row._path, member):
        return row
    if refused is not None:
        refused(row._path)
    return None


def unscoped(statement: S, *, why: str) -> S:
    """`statement` as it is: it carries no scope on purpose, for the reason `why`."""
    if not why.strip():
        raise ValueError("an unscoped statement must say why")
    return statement
