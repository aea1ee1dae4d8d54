"""The Casbin enforcer: role→permission lines from `policy.csv`, grants from the principal."""

from functools import cache
from pathlib import Path

import casbin

from authz.paths import ancestors_or_self
from authz.principal import SELF_ROLE, Principal
from authz.resources import known

HERE = Path(__file__).parent
NO_OWNER = 0


def holds(principal: Principal, role: str, path: str, owner: int) -> bool:
    """Does `principal` hold `role` at an ancestor-or-self of `path` (or own the object)?"""
    if role == SELF_ROLE:
        return principal.member_id is not None and owner == principal.member_id
    granted = principal.paths_for(role)
    return bool(granted) and any(p in granted for p in ancestors_or_self(path))


@cache
def enforcer() -> casbin.Enforcer:
    """The process-wide enforcer (policy lines are few and change only with a deploy)."""
    e = casbin.Enforcer(str(HERE / "model.conf"), str(HERE / "policy.csv"))
    e.add_function("holds", holds)
    return e


@cache
def roles_with(resource: str, action: str) -> frozenset[str]:
    """Roles whose policy allows `action` on `resource` (both must be known)."""
    known(resource, action)
    return frozenset(line[0] for line in enforcer().get_filtered_policy(1, resource, action))


def can(
    principal: Principal, resource: str, action: str, path: str, owner: int | None = None
) -> bool:
    """Single-object check: may `principal` do `action` on `resource` at org `path`?"""
    known(resource, action)
    if not principal.active:
        return False
    return bool(enforcer().enforce(principal, resource, action, path, owner or NO_OWNER))
