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

Some rows reach members by audience rather than by owner: an activity is for its
organisation's members, its subtree's, or the members checked in at a community. A member's
self access to such a model is its `audience`, a predicate of the member's `Reach` (own org,
the orgs above it, the communities checked in at), read once per request by the resolver and
handed to `scoped`/`in_scope`; a scope with self access and no reach is a programming error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.enforcer import can
from authz.principal import Principal
from authz.resources import Action, Resource
from authz.scope import Scope
from models import (
    Activity,
    ActivityAudience,
    ActivityParticipant,
    ActivityState,
    AuditEntry,
    CheckIn,
    DevelopmentCase,
    DuesBase,
    DuesMonth,
    DuesPayment,
    Election,
    FloatingContact,
    FloatingRecord,
    FloatingReport,
    Member,
    MemberTransfer,
    Organization,
    OrgAssessment,
    OrgTerm,
    RectificationCase,
    RectificationNote,
    ServiceRecord,
    ServiceTeam,
    StudyDelivery,
    StudyPairing,
    StudyResource,
    StudySession,
    StudyTotal,
    Suggestion,
    Symposium,
    TermChange,
    TrainingClass,
    TrainingEnrolment,
)

S = TypeVar("S")


@dataclass(frozen=True)
class Reach:
    """Where a member stands, for rows that reach members by audience: the member, their own
    org, that org and the orgs above it (from its path), the communities they are checked in
    at (active check-ins)."""

    member_id: int
    org_id: int
    ancestors: tuple[int, ...]
    communities: tuple[int, ...]


def activity_audience(reach: Reach) -> ColumnElement[bool]:
    """The published activities a member is invited to: their own organisation's, those of an
    organisation above them for its whole subtree, and a community's for the members checked
    in there (`Activity.include_checked_in`). Drafts reach nobody."""
    clauses = [
        Activity.org_id == reach.org_id,
        and_(Activity.audience == ActivityAudience.SUBTREE, Activity.org_id.in_(reach.ancestors)),
    ]
    if reach.communities:
        clauses.append(and_(Activity.include_checked_in, Activity.org_id.in_(reach.communities)))
    return and_(Activity.state != ActivityState.DRAFT, or_(*clauses))


def study_audience(reach: Reach) -> ColumnElement[bool]:
    """The study resources a member may study: those published by their own org or an org
    above it, each for its whole subtree."""
    return StudyResource.org_id.in_(reach.ancestors)


@dataclass(frozen=True)
class Placement:
    """Where a model's rows sit: the resource that reads them and the placing columns.

    `follows` is the column that copies the member's own org path (`member` names the member):
    a transfer rewrites it (`resolvers.rehome`); other paths (a host community) stay put.
    `audience`, for rows that reach members by audience, is the self access (module
    docstring)."""

    resource: Resource
    path: Any
    member: Any = None
    also: tuple[Any, ...] = ()
    follows: Any = None
    audience: Callable[[Reach], ColumnElement[bool]] | None = None


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
    Activity: Placement(Resource.ACTIVITY, Activity.org_path, audience=activity_audience),
    ActivityParticipant: Placement(
        Resource.ACTIVITY, ActivityParticipant.org_path, ActivityParticipant.member_id
    ),
    StudyResource: Placement(Resource.LEARNING, StudyResource.org_path, audience=study_audience),
    StudySession: Placement(
        Resource.LEARNING,
        StudySession.org_path,
        StudySession.member_id,
        follows=StudySession.org_path,
    ),
    StudyPairing: Placement(
        Resource.LEARNING,
        StudyPairing.org_path,
        StudyPairing.member_id,
        follows=StudyPairing.org_path,
    ),
    StudyDelivery: Placement(
        Resource.LEARNING,
        StudyDelivery.org_path,
        StudyDelivery.member_id,
        follows=StudyDelivery.org_path,
    ),
    StudyTotal: Placement(
        Resource.LEARNING, StudyTotal.org_path, StudyTotal.member_id, follows=StudyTotal.org_path
    ),
    TrainingClass: Placement(Resource.LEARNING, TrainingClass.org_path),
    # seen from the organiser (a street or district) and from the member's own org
    TrainingEnrolment: Placement(
        Resource.LEARNING,
        TrainingEnrolment.org_path,
        TrainingEnrolment.member_id,
        (TrainingEnrolment.member_org_path,),
        follows=TrainingEnrolment.member_org_path,
    ),
    # governance: each row sits at its organisation's path
    OrgTerm: Placement(Resource.GOVERNANCE, OrgTerm.org_path),
    Election: Placement(Resource.GOVERNANCE, Election.org_path),
    TermChange: Placement(Resource.GOVERNANCE, TermChange.org_path),
    OrgAssessment: Placement(Resource.GOVERNANCE, OrgAssessment.org_path),
    RectificationCase: Placement(Resource.GOVERNANCE, RectificationCase.org_path),
    RectificationNote: Placement(Resource.GOVERNANCE, RectificationNote.org_path),
}


def placement(model: type) -> Placement:
    try:
        return REGISTRY[model]
    except KeyError:
        raise TypeError(f"{model.__name__} is not in the scope registry") from None


def in_scope(scope: Scope, model: type, reach: Reach | None = None) -> ColumnElement[bool] | None:
    """The scope's filter on `model`'s rows; None when it covers the whole tree. `reach` is
    the scope's member's, for a model with an audience (module docstring)."""
    p = placement(model)
    pred = scope.predicate(p.path, p.member, p.also)
    if pred is None or p.audience is None or scope.member_id is None:
        return pred
    if reach is None or reach.member_id != scope.member_id:
        raise TypeError(f"{model.__name__} reaches members by audience: pass the scope's reach")
    return or_(pred, p.audience(reach)) if scope.paths else p.audience(reach)


def scoped(scope: Scope, model: type, *columns: Any, reach: Reach | None = None) -> Select:
    """`columns` of the rows of `model` that `scope` covers (joins may follow)."""
    pred = in_scope(scope, model, reach)
    stmt = select(*columns).select_from(model)
    return stmt if pred is None else stmt.where(pred)


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
