"""组织关系转接: transfers of the membership relation. Within the caller's own scope a transfer
completes at once; across scopes the sending side issues a letter (介绍信) and the receiving
organisation accepts or returns it within `DANGJIAN_TRANSFER_DEADLINE_DAYS`. A transfer is
read from both sides (the registry's dual placement); the member's archive moves, with every
copy of their org path (`resolvers.rehome`), only on acceptance."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Row, Select, select, update
from sqlalchemy.orm import aliased

from authz.enforcer import can
from authz.paths import subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from domain.member import check_active, check_destination, transfer_due
from models import Member, MemberTransfer, Organization, Standing, TransferStatus
from models.base import Column
from resolvers.batch import latest_by_member, page_batch, rows_by_id
from resolvers.context import Context
from resolvers.dues import IdempotencyKeyReused, fingerprint
from resolvers.errors import BadUserInput, Conflict, Forbidden
from resolvers.ids import to_global_id
from resolvers.pagination import Order, Page, Window
from resolvers.rehome import rehome_members
from resolvers.write import Write, rewrites_paths

FromOrg = aliased(Organization, name="from_org")
ToOrg = aliased(Organization, name="to_org")
# what either side reads of a transfer: the record, the member's name and pipeline status and
# the two organisations' names (the receiving side reads no more of the archive until it
# accepts)
TRANSFER_COLUMNS = (
    *MemberTransfer.__table__.c,
    Member.name.label("member_name"),
    Member.status.label("member_status"),
    FromOrg.name.label("from_name"),
    ToOrg.name.label("to_name"),
)
BY_ID = Order(None, MemberTransfer.id)


def scoped_transfers(ctx: Context, *columns) -> Select:
    """Transfers the caller sees: from the sending or the receiving subtree, or their own."""
    return (
        scoped(ctx.scope(Resource.TRANSFER, Action.READ), MemberTransfer, *columns)
        .join(Member, Member.id == MemberTransfer.member_id)
        .join(FromOrg, FromOrg.id == MemberTransfer.from_org_id)
        .outerjoin(ToOrg, ToOrg.id == MemberTransfer.to_org_id)
    )


async def load_transfers(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(
        ctx.session, scoped_transfers(ctx, *TRANSFER_COLUMNS), MemberTransfer.id, ids
    )


async def get_transfer(ctx: Context, pk: int | None) -> Row | None:
    return await ctx.load(load_transfers, pk)


async def load_latest(ctx: Context, member_ids: Sequence[int]) -> list[Row | None]:
    """Each member's latest visible transfer (what the member sees of their own)."""
    return await latest_by_member(
        ctx.session,
        scoped_transfers(ctx, *TRANSFER_COLUMNS),
        MemberTransfer.member_id,
        MemberTransfer.id,
        member_ids,
    )


async def latest_transfer(ctx: Context, member_id: int) -> Row | None:
    return await ctx.load(load_latest, member_id)


def overdue(ctx: Context, row: Row) -> bool:
    return row.status is TransferStatus.PENDING and row.due_on < ctx.today


@dataclass(frozen=True)
class TransfersKey:
    """An org's transfers: `incoming` (to its subtree) or outgoing (from it)."""

    path: str
    incoming: bool
    status: TransferStatus | None
    overdue: bool
    window: Window


def _listed(ctx: Context, key: TransfersKey) -> Select:
    side: Column[str] = MemberTransfer.from_path
    if key.incoming:
        side = MemberTransfer.to_path  # type: ignore[assignment]  # NULL rows are out of range
    stmt = scoped_transfers(ctx, *TRANSFER_COLUMNS).where(subtree(side, key.path))
    if key.status is not None:
        stmt = stmt.where(MemberTransfer.status == key.status)
    if key.overdue:
        stmt = stmt.where(
            MemberTransfer.status == TransferStatus.PENDING, MemberTransfer.due_on < ctx.today
        )
    return stmt


async def load_transfer_pages(ctx: Context, keys: Sequence[TransfersKey]) -> list[Page[Row]]:
    """Pages of several orgs' transfers in one statement, their totals in another."""
    return await page_batch(ctx.session, keys, lambda k: _listed(ctx, k), BY_ID)


async def transfers(ctx: Context, key: TransfersKey) -> Page[Row]:
    return await ctx.loader(load_transfer_pages).load(key)


# ---- writes ----------------------------------------------------------------------------------

STALE = "the transfer changed since you read it: reload and try again"


def _key(key: str) -> str:
    if not 8 <= len(key) <= 80:
        raise BadUserInput("idempotencyKey must be 8 to 80 characters")
    return key


async def _replay(w: Write, issued: bool, key: str, digest: str) -> int | None:
    """The transfer an earlier request of this account with `key` issued (or decided), if
    it was this request; another content under the key is refused."""
    by, k, h = (
        (MemberTransfer.issued_by, MemberTransfer.issue_key, MemberTransfer.issue_hash)
        if issued
        else (MemberTransfer.decided_by, MemberTransfer.decision_key, MemberTransfer.decision_hash)
    )
    found = (
        await w.session.execute(
            unscoped(
                select(MemberTransfer.id, h.label("digest")).where(
                    by == w.ctx.require().account_id, k == key
                ),
                why="an idempotency key names one earlier request of the caller's own account",
            )
        )
    ).one_or_none()
    if found is None:
        return None
    if found.digest != digest:
        raise IdempotencyKeyReused("this idempotency key was used for a different request")
    return found.id


async def _org(w: Write, org_id: int) -> Organization:
    return (
        await w.session.execute(
            unscoped(
                select(Organization).where(Organization.id == org_id),
                why="the destination authorized by the caller's grants above",
            )
        )
    ).scalar_one()


async def _complete(w: Write, member_id: int, to: Organization) -> None:
    """Move the member and every copy of their org path into `to` (`rehome_members`, which
    also moves their archive version on)."""
    await rehome_members(
        w.session,
        unscoped(select(Member.id).where(Member.id == member_id), why="the transferred member"),
        to,
    )


@dataclass(frozen=True)
class TransferRequest:
    """`transferMember`'s input, named as the input fields."""

    member_id: int | None
    to_organization_id: int | None
    destination: str | None
    letter_number: str | None
    expected_version: int
    idempotency_key: str


@rewrites_paths  # the member's path copies move: no write may copy the old one meanwhile
async def transfer_member(w: Write, req: TransferRequest) -> int:
    """Issue a transfer; it completes at once where the caller keeps both archives, or when the
    member leaves the city (TRANSFERRED_OUT, the destination as text)."""
    ctx = w.ctx
    principal = ctx.require()
    key = _key(req.idempotency_key)
    member = await w.authorized(
        Member,
        req.member_id,
        Action.WRITE,
        Member.id,
        Member.org_id,
        Member.org_path,
        Member.version,
        Member.standing,
        self_allowed=False,
    )
    if member is None:
        raise Forbidden("you may not transfer this member")
    destination = (req.destination or "").strip() or None
    digest = fingerprint(
        member=member.id,
        to=req.to_organization_id,
        destination=destination,
        letter=req.letter_number,
        version=req.expected_version,
    )
    if (done := await _replay(w, True, key, digest)) is not None:
        return done
    if member.version != req.expected_version:
        raise Conflict("the member's archive changed since you read it: reload and try again")
    check_active(member.standing)
    to = None
    if req.to_organization_id is not None:
        # any branch of the city may receive; one the caller cannot name is as missing
        to = (
            await w.session.execute(
                unscoped(
                    select(Organization.id, Organization.path, Organization.level).where(
                        Organization.id == req.to_organization_id
                    ),
                    why="a destination branch: any in the city receives members",
                )
            )
        ).one_or_none()
        if to is None:
            raise BadUserInput("toOrganizationId names no organisation")
    check_destination(
        to.level if to else None, to.path if to else None, member.org_path, destination
    )
    at_once = to is None or can(principal, Resource.MEMBER, Action.WRITE, to.path)
    status = (
        TransferStatus.OUT_OF_CITY
        if to is None
        else TransferStatus.ACCEPTED
        if at_once
        else TransferStatus.PENDING
    )
    row = MemberTransfer(
        member_id=member.id,
        from_org_id=member.org_id,
        from_path=member.org_path,
        to_org_id=to.id if to else None,
        to_path=to.path if to else None,
        destination=destination,
        letter_number=(req.letter_number or "").strip() or "-",
        status=status,
        issued_on=ctx.today,
        due_on=transfer_due(ctx.today, ctx.transfer_deadline_days),
        decided_on=ctx.today if at_once else None,
        decided_by=principal.account_id if at_once else None,
        version=1,
        issued_by=principal.account_id,
        issue_key=key,
        issue_hash=digest,
    )
    w.session.add(row)
    await w.flush(
        BadUserInput("this member already has a transfer waiting"),
        partial(_replay, w, True, key, digest),
    )
    if row.letter_number == "-":
        row.letter_number = f"转{ctx.today:%Y}{row.id:06d}"  # 介绍信编号, when none is given
    if to is not None and at_once:
        await _complete(w, member.id, await _org(w, to.id))
    elif to is None:
        await w.change(
            unscoped(update(Member), why="the member authorized above")
            .where(Member.id == member.id, Member.version == member.version)
            .values(
                standing=Standing.TRANSFERRED_OUT,
                standing_on=ctx.today,
                standing_reason=destination,
                version=member.version + 1,
            )
        )
    w.record(
        to_global_id("MemberTransfer", row.id),
        member.org_path,
        after={
            "member_id": member.id,
            "to_org_id": row.to_org_id,
            "destination": destination,
            "letter_number": row.letter_number,
            "status": status.name,
            "idempotency_key": key,
        },
    )
    if to is not None:  # the receiving side's trail shows it too
        w.record(to_global_id("MemberTransfer", row.id), to.path, after={"status": status.name})
    return row.id


@dataclass(frozen=True)
class Decision:
    """`acceptTransfer` / `returnTransfer`'s input, named as the input fields."""

    transfer_id: int | None
    expected_version: int
    idempotency_key: str
    reason: str | None = None


@rewrites_paths
async def decide(w: Write, accept: bool, d: Decision) -> int:
    """The receiving organisation's answer: accept (the member moves) or return, with a
    reason. Only its secretaries and administrators answer; the sending side sees the
    transfer but answers nothing."""
    ctx = w.ctx
    principal = ctx.require()
    key = _key(d.idempotency_key)
    reason = (d.reason or "").strip() or None
    row = None
    if d.transfer_id is not None:
        row = (
            await w.session.execute(
                scoped_transfers(ctx, *MemberTransfer.__table__.c)
                .where(MemberTransfer.id == d.transfer_id)
            )
        ).one_or_none()  # fmt: skip
    if row is None or row.to_path is None:
        raise Forbidden("you may not answer this transfer")
    if not can(principal, Resource.MEMBER, Action.WRITE, row.to_path):
        w.refuse(to_global_id("MemberTransfer", row.id), row.to_path)
        raise Forbidden("you may not answer this transfer")
    digest = fingerprint(transfer=row.id, accept=accept, reason=reason, version=d.expected_version)
    if (done := await _replay(w, False, key, digest)) is not None:
        return done
    if row.version != d.expected_version:
        raise Conflict(STALE)
    if row.status is not TransferStatus.PENDING:
        raise BadUserInput(f"the transfer is {row.status.value} already")
    if not accept and reason is None:
        raise BadUserInput("a returned transfer needs a reason")
    status = TransferStatus.ACCEPTED if accept else TransferStatus.RETURNED
    answered = (
        unscoped(update(MemberTransfer), why="the transfer authorized above")
        .where(MemberTransfer.id == row.id, MemberTransfer.version == d.expected_version)
        .values(
            status=status,
            decided_on=ctx.today,
            decided_by=principal.account_id,
            decision_key=key,
            decision_hash=digest,
            reason=reason,
            version=d.expected_version + 1,
        )
    )
    if await w.change(answered) != 1:
        raise Conflict(STALE)
    if accept:
        await _complete(w, row.member_id, await _org(w, row.to_org_id))
    for side in (row.from_path, row.to_path):
        w.record(
            to_global_id("MemberTransfer", row.id),
            side,
            before={"status": row.status.name, "version": row.version},
            after={"status": status.name, "reason": reason, "idempotency_key": key},
        )
    return row.id
