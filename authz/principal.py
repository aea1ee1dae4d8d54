"""The caller of a request: account, own member record and role grants."""

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.account import SELF_ROLE
from models import Account, AuthzEpoch, Organization, RoleGrant

__all__ = ["SELF_ROLE", "Grant", "Principal", "load_principal"]


@dataclass(frozen=True)
class Grant:
    """A role held over the subtree of one org."""

    role: str
    org_id: int
    path: str
    id: int = 0  # the role_grant row: the Grant's global id


@dataclass(frozen=True)
class Principal:
    account_id: int
    username: str
    display_name: str
    token_version: int
    active: bool
    member_id: int | None = None
    grants: tuple[Grant, ...] = ()
    epoch: int | None = None  # the authorization epoch it was read at (server/auth.py)
    _by_role: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_role: dict[str, set[str]] = {}
        for g in self.grants:
            by_role.setdefault(g.role, set()).add(g.path)
        self._by_role.update({r: frozenset(p) for r, p in by_role.items()})

    def paths_for(self, role: str) -> frozenset[str]:
        """Org paths where this principal holds `role`."""
        return self._by_role.get(role, frozenset())


PRINCIPAL = (
    select(
        Account.id,
        Account.username,
        Account.display_name,
        Account.token_version,
        Account.active,
        Account.member_id,
        RoleGrant.id.label("grant_id"),
        RoleGrant.role,
        RoleGrant.org_id,
        Organization.path,
        select(AuthzEpoch.n).where(AuthzEpoch.id == 1).scalar_subquery().label("epoch"),
    )
    .outerjoin(RoleGrant, RoleGrant.account_id == Account.id)
    .outerjoin(Organization, Organization.id == RoleGrant.org_id)
    .where(Account.username == bindparam("username"))
    .order_by(RoleGrant.id)
)  # built once: every request runs it


async def load_principal(session: AsyncSession, username: str) -> Principal | None:
    """Resolve a username to its principal and grants in one indexed read, with the
    authorization epoch of the same snapshot; None if unknown."""
    rows = (await session.execute(PRINCIPAL, {"username": username})).all()
    if not rows:
        return None
    account = rows[0]
    return Principal(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        token_version=account.token_version,
        active=account.active,
        member_id=account.member_id,
        epoch=account.epoch,
        grants=tuple(
            Grant(r.role, r.org_id, r.path, r.grant_id) for r in rows if r.role is not None
        ),
    )
