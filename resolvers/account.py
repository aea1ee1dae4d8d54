"""Accounts and role grants: the caller's own, those an administrator sees and changes, and
the grant a party post calls for.

An account sits where its member's organisation is and where it holds roles: it is in a
scope when one of those is (`visible`, in SQL for lists; `Scope.covers` for the one account a
write names, the same rule). Grants are data read with the principal on every request
(`authz/principal.py`), so a grant revoked, an account deactivated or signed out is refused on
the very next request of every API process: no process keeps a copy.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, delete, select, true, update

from authz.enforcer import can
from authz.paths import subtree
from authz.principal import Principal
from authz.registry import in_scope, scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.account import SELF_ROLE, check_fits, check_username, may_grant, offered_role
from domain.errors import RuleViolation, recuse
from models import Account, Member, Organization, OrgLevel, PartyPost, RoleGrant
from resolvers.batch import page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound
from resolvers.ids import to_global_id
from resolvers.org import breadcrumbs
from resolvers.pagination import Order, Page, Window
from resolvers.write import Write

ACCOUNT_COLUMNS = (
    Account.id,
    Account.username,
    Account.display_name,
    Account.member_id,
    Account.active,
    Account.version,
    Account.token_version,
)
GRANT_COLUMNS = (
    RoleGrant.id,
    RoleGrant.role,
    RoleGrant.org_id,
    RoleGrant.account_id,
    Organization.name,
    Organization.level,
)
NO_SUCH_ACCOUNT = "no such account in your scope"
NO_SUCH_GRANT = "no such grant in your scope"


def account_scope(ctx: Context, action: Action = Action.READ) -> Scope:
    return ctx.scope(Resource.ACCOUNT, action)


def visible(scope: Scope) -> ColumnElement[bool]:
    """Accounts placed in `scope`: by their member's organisation or a role they hold (the
    whole city: every account, those holding nothing any more too)."""
    if scope.everything:
        return true()
    members = scoped(scope, Member, Member.id)
    orgs = scoped(scope, Organization, Organization.id)
    holding = unscoped(
        select(RoleGrant.account_id), why="grants at the scoped organisations of `orgs`"
    ).where(RoleGrant.org_id.in_(orgs))
    return Account.member_id.in_(members) | Account.id.in_(holding)


def _accounts(ctx: Context) -> Select:
    return unscoped(
        select(*ACCOUNT_COLUMNS), why="accounts filtered by `visible` (member or grants in scope)"
    ).where(visible(account_scope(ctx)))


# ---- reads -----------------------------------------------------------------------------------


async def grant_scopes(ctx: Context) -> list[tuple[int, str, Row]]:
    """Each grant of the caller (id, role) with its scope org (id, name, level)."""
    grants = ctx.require().grants
    crumbs = {r.id: r for r in await breadcrumbs(ctx, [g.org_id for g in grants])}
    return [(g.id, g.role, crumbs[g.org_id]) for g in grants if g.org_id in crumbs]


async def load_accounts(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, _accounts(ctx), Account.id, ids)


async def get_account(ctx: Context, pk: int | None) -> Row | None:
    """A visible account (administrators and auditors over its scope), or None."""
    return await ctx.load(load_accounts, pk)


async def load_member_accounts(ctx: Context, member_ids: Sequence[int]) -> list[Row | None]:
    rows = await ctx.session.execute(_accounts(ctx).where(Account.member_id.in_(member_ids)))
    found = {row.member_id: row for row in rows}  # one account a member (a unique index)
    return [found.get(m) for m in member_ids]


async def member_account(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_member_accounts, member_id)


def _grants(scope: Scope) -> Select:
    """Grants at organisations in `scope`, with the organisation's name and level."""
    return scoped(scope, Organization, *GRANT_COLUMNS).join(
        RoleGrant, RoleGrant.org_id == Organization.id
    )


async def load_grants(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    """Grants at organisations in the caller's account scope, and the caller's own."""
    own = RoleGrant.account_id == ctx.require().account_id
    pred = in_scope(account_scope(ctx), Organization)
    stmt = unscoped(
        select(*GRANT_COLUMNS).select_from(RoleGrant).join(Organization),
        why="the caller's own grants, or those at organisations in scope (the OR below)",
    )
    return await rows_by_id(
        ctx.session, stmt if pred is None else stmt.where(own | pred), RoleGrant.id, ids
    )


async def get_grant(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_grants, pk)


@dataclass(frozen=True)
class GrantsKey:
    """Grants of a subtree (`path`) or of one account, optionally of one role."""

    window: Window
    path: str | None = None
    account_id: int | None = None
    role: str | None = None


BY_ID = Order(None, RoleGrant.id)


def _filtered(ctx: Context, key: GrantsKey) -> Select:
    stmt = _grants(account_scope(ctx))
    if key.path is not None:
        stmt = stmt.where(subtree(Organization.path, key.path))
    if key.account_id is not None:
        stmt = stmt.where(RoleGrant.account_id == key.account_id)
    if key.role is not None:
        stmt = stmt.where(RoleGrant.role == key.role)
    return stmt


async def load_grant_pages(ctx: Context, keys: Sequence[GrantsKey]) -> list[Page[Row]]:
    """Pages of several subtrees' or accounts' grants in one statement, totals in one more."""
    return await page_batch(ctx.session, keys, lambda k: _filtered(ctx, k), BY_ID)


async def grants(ctx: Context, key: GrantsKey) -> Page[Row]:
    return await ctx.loader(load_grant_pages).load(key)


def held_over(principal: Principal, path: str) -> list[str]:
    """The roles `principal` holds at the organisation at `path` or an ancestor of it."""
    return [g.role for g in principal.grants if path.startswith(g.path)]


def grantable(principal: Principal, role: str, level: OrgLevel, path: str) -> bool:
    """May `principal` grant (or revoke) `role` at the organisation at `path`: the policy
    (`account, grant` over the subtree) and the tiers of `domain.account.may_grant`."""
    return can(principal, Resource.ACCOUNT, Action.GRANT, path) and may_grant(
        held_over(principal, path), role, level
    )


@dataclass(frozen=True)
class Offer:
    """The grant a member's party post calls for that their account does not hold yet."""

    member_id: int
    role: str
    org_id: int
    org_name: str
    level: OrgLevel
    account_id: int | None


async def load_offers(ctx: Context, member_ids: Sequence[int]) -> list[Offer | None]:
    """One statement for any number of members: their post, organisation, account and the
    roles that account holds at that organisation."""
    principal = ctx.require()
    stmt = (
        scoped(
            account_scope(ctx, Action.GRANT),
            Member,
            Member.id,
            Member.party_post,
            Member.org_id,
            Organization.path,
            Organization.name,
            Organization.level,
            Account.id.label("account_id"),
            RoleGrant.role,
        )
        .join(Organization, Organization.id == Member.org_id)
        .outerjoin(Account, Account.member_id == Member.id)
        .outerjoin(
            RoleGrant, (RoleGrant.account_id == Account.id) & (RoleGrant.org_id == Member.org_id)
        )
        .where(Member.id.in_(member_ids), Member.party_post == PartyPost.SECRETARY)
    )
    rows: dict[int, list[Row]] = {}
    for row in await ctx.session.execute(stmt):
        rows.setdefault(row.id, []).append(row)
    offers: dict[int, Offer] = {}
    for member_id, found in rows.items():
        first = found[0]  # one row per role the account holds there (one account a member)
        role = offered_role(first.party_post, first.level)
        held = {r.role for r in found}
        if role is None or role in held or not grantable(principal, role, first.level, first.path):
            continue
        offers[member_id] = Offer(
            member_id, role, first.org_id, first.name, first.level, first.account_id
        )
    return [offers.get(m) for m in member_ids]


async def offered_grant(ctx: Context, member_id: int) -> Offer | None:
    """The grant the member's party post calls for (`domain.account.offered_role`), where the
    caller could grant it and the member's account does not hold it yet: offered when a
    secretary is appointed (`updateMember`), and after an election."""
    return await ctx.load(load_offers, member_id)


# ---- writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    role: str
    org_id: int
    path: str
    level: OrgLevel


@dataclass(frozen=True)
class Target:
    """An account a write names: its row, its grants, and where it sits for the trail."""

    account: Row
    held: list[Held]
    place: str


async def _account_target(w: Write, account: Row | None, action: Action) -> Target:
    """The account if the caller may `action` it (its member or a grant in the caller's
    scope); NOT_FOUND, as for a missing account, otherwise."""
    if account is None:
        raise NotFound(NO_SUCH_ACCOUNT)
    session = w.session
    held = [
        Held(*r)
        for r in await session.execute(
            unscoped(
                select(RoleGrant.role, RoleGrant.org_id, Organization.path, Organization.level)
                .join(Organization, Organization.id == RoleGrant.org_id)
                .where(RoleGrant.account_id == account.id)
                .order_by(RoleGrant.id),
                why="the grants of the account named, answered only where they are in scope",
            )
        )
    ]
    places = [h.path for h in held]
    if account.member_id is not None:
        member_path = await session.scalar(
            unscoped(
                select(Member.org_path).where(Member.id == account.member_id),
                why="the member of the account named, answered only where in scope",
            )
        )
        places = [member_path, *places] if member_path else places
    scope = account_scope(w.ctx, action)
    covered = [p for p in places if scope.covers(p)] or (["/"] if scope.everything else [])
    if not covered:
        if places:
            w.refuse(to_global_id("Account", account.id), places[0])
        raise NotFound(NO_SUCH_ACCOUNT)
    return Target(account, held, covered[0])


async def _account_row(
    w: Write, *, pk: int | None = None, username: str | None = None
) -> Row | None:
    stmt = unscoped(
        select(*ACCOUNT_COLUMNS), why="the account named, answered only if in scope (below)"
    )
    if pk is not None:
        stmt = stmt.where(Account.id == pk)
    elif username is not None:
        stmt = stmt.where(Account.username == username.strip())
    else:
        return None
    return (await w.session.execute(stmt)).one_or_none()


async def _existing_grant(w: Write, account_id: int, role: str, org_id: int) -> int | None:
    return await w.session.scalar(
        unscoped(
            select(RoleGrant.id).where(
                RoleGrant.account_id == account_id,
                RoleGrant.role == role,
                RoleGrant.org_id == org_id,
            ),
            why="the grant the caller is allowed to make (checked before)",
        )
    )


async def grant_role(w: Write, username: str, role: str, organization_id: int | None) -> int:
    """Grant `role` at the organisation to the account `username`; granting a role held
    already answers that grant (idempotent, nothing recorded)."""
    principal = w.ctx.require()
    org = await w.authorized(
        Organization,
        organization_id,
        Action.GRANT,
        Organization.id,
        Organization.level,
        Organization.path,
        resource=Resource.ACCOUNT,
    )
    if org is None:
        raise NotFound("no such organisation in your scope")
    check_fits(role, org.level)
    if not grantable(principal, role, org.level, org.path):
        w.refuse(to_global_id("Organization", org.id), org.path)
        raise Forbidden(f"{role} at a {org.level.name} is granted by an administrator above")
    account = (
        await _account_target(w, await _account_row(w, username=username), Action.GRANT)
    ).account
    recuse(principal.account_id, account.id, "grant yourself a role")
    if not account.active:
        raise BadUserInput("the account is deactivated")
    if (held := await _existing_grant(w, account.id, role, org.id)) is not None:
        return held
    grant = RoleGrant(account_id=account.id, role=role, org_id=org.id)
    w.session.add(grant)

    async def replay() -> int | None:
        return await _existing_grant(w, account.id, role, org.id)

    await w.flush(replay=replay)
    w.record(
        to_global_id("Grant", grant.id),
        org.path,
        after={"username": account.username, "role": role, "org_id": org.id},
    )
    return grant.id


@dataclass(frozen=True)
class Revoked:
    grant_id: int
    account_id: int


async def revoke_role(
    w: Write,
    grant_id: int | None,
    username: str | None,
    role: str | None,
    organization_id: int | None,
) -> Revoked:
    """Revoke a grant named by its id, or by username, role and organisation. A grant the
    caller could not make answers as a missing one; revoked once, it is missing."""
    principal = w.ctx.require()
    stmt = unscoped(
        select(
            RoleGrant.id,
            RoleGrant.role,
            RoleGrant.org_id,
            RoleGrant.account_id,
            Account.username,
            Organization.path,
            Organization.level,
        )
        .join(Account, Account.id == RoleGrant.account_id)
        .join(Organization, Organization.id == RoleGrant.org_id),
        why="the grant named, answered only if the caller may grant it (below)",
    )
    if grant_id is not None:
        stmt = stmt.where(RoleGrant.id == grant_id)
    elif username and role and organization_id is not None:
        stmt = stmt.where(
            Account.username == username.strip(),
            RoleGrant.role == role,
            RoleGrant.org_id == organization_id,
        )
    else:
        raise BadUserInput("name the grant: grantId, or username, role and organizationId")
    grant = (await w.session.execute(stmt)).one_or_none()
    if grant is None:
        raise NotFound(NO_SUCH_GRANT)
    own_role = grant.role == SELF_ROLE  # never granted by hand: in reach where accounts are
    if not (
        can(principal, Resource.ACCOUNT, Action.WRITE, grant.path)
        if own_role
        else grantable(principal, grant.role, grant.level, grant.path)
    ):
        w.refuse(to_global_id("Grant", grant.id), grant.path)
        raise NotFound(NO_SUCH_GRANT)
    recuse(principal.account_id, grant.account_id, "revoke your own role")
    if own_role:
        raise RuleViolation("the member role goes with the account: deactivate the account")
    await w.change(
        unscoped(delete(RoleGrant), why="the grant authorized above").where(
            RoleGrant.id == grant.id
        )
    )
    w.record(
        to_global_id("Grant", grant.id),
        grant.path,
        before={"username": grant.username, "role": grant.role, "org_id": grant.org_id},
    )
    return Revoked(grant.id, grant.account_id)


async def create_account(
    w: Write, member_id: int | None, username: str, display_name: str | None
) -> int:
    """An account for a member of the caller's scope, with the self role at the member's
    organisation (as every member's account); one per member, the username unique in the
    city. Sent again, the same request answers the account it made."""
    member = await w.authorized(
        Member,
        member_id,
        Action.WRITE,
        Member.id,
        Member.name,
        Member.org_id,
        Member.org_path,
        resource=Resource.ACCOUNT,
        self_allowed=False,
    )
    if member is None:
        raise NotFound("no such member in your scope")
    name = check_username(username)
    display = (display_name or member.name).strip()
    if not display:
        raise BadUserInput("displayName must not be empty")

    async def same() -> int | None:
        return await w.session.scalar(
            unscoped(
                select(Account.id).where(Account.member_id == member.id, Account.username == name),
                why="the account of the member authorized above",
            )
        )

    if (made := await same()) is not None:
        return made
    other = await w.session.scalar(
        unscoped(
            select(Account.username).where(Account.member_id == member.id),
            why="the account of the member authorized above",
        )
    )
    if other is not None:
        raise BadUserInput(f"this member already has the account {other}")
    account = Account(
        username=name, member_id=member.id, display_name=display, token_version=1, version=1
    )
    w.session.add(account)
    # the unique indexes: the username, and one account a member (opened at the same time)
    await w.flush(BadUserInput(f"the username {name} is taken, or the member has an account"), same)
    w.session.add(RoleGrant(account_id=account.id, role=SELF_ROLE, org_id=member.org_id))
    w.record(
        to_global_id("Account", account.id),
        member.org_path,
        after={"username": name, "member_id": member.id},
    )
    return account.id


async def _change_account(
    w: Write,
    account_id: int | None,
    expected_version: int,
    act: str,
    values: Callable[[Row], dict[str, object]],
) -> int:
    """Change an account the caller manages (`values` of its row): one in scope whose every
    role the caller could grant, never their own; only if nobody changed it since
    `expected_version`."""
    principal = w.ctx.require()
    target = await _account_target(w, await _account_row(w, pk=account_id), Action.WRITE)
    account = target.account
    recuse(principal.account_id, account.id, act)
    for h in target.held:
        if h.role != SELF_ROLE and not grantable(principal, h.role, h.level, h.path):
            raise Forbidden(f"the account holds {h.role} at an organisation above your tier")
    if account.version != expected_version:
        raise Conflict("the account changed since you read it: reload and try again")
    after = {"version": expected_version + 1, **values(account)}
    changed = await w.change(
        unscoped(update(Account), why="the account authorized above")
        .where(Account.id == account.id, Account.version == expected_version)
        .values(**after)
    )
    if changed != 1:
        raise Conflict("the account changed since you read it: reload and try again")
    before = {k: getattr(account, k) for k in after}
    w.record(to_global_id("Account", account.id), target.place, before=before, after=after)
    return account.id


async def set_active(w: Write, account_id: int | None, active: bool, expected_version: int) -> int:
    """Deactivate an account (refused from its next request on) or reactivate it."""
    act = "reactivate yourself" if active else "deactivate yourself"
    return await _change_account(w, account_id, expected_version, act, lambda _: {"active": active})


async def sign_out(w: Write, account_id: int | None, expected_version: int) -> int:
    """Force sign-out: every token issued before carries the old `token_version`."""
    return await _change_account(
        w,
        account_id,
        expected_version,
        "sign yourself out this way",
        lambda account: {"token_version": account.token_version + 1},
    )
