"""The member archive: directory reads (single members, filtered lists, an org's members; PII
masking) and its writes (adding members one by one or from a file, editing them, their
leaving the roll)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclasses_field
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    cast,
    extract,
    func,
    null,
    select,
    update,
)

from authz.masking import mask_address, mask_id_card, mask_phone
from authz.paths import subtree
from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from authz.scope import Scope
from domain.calendar import born_before
from domain.errors import RuleViolation
from domain.member import (
    Facts,
    Parsed,
    check_active,
    check_leaving,
    check_member_org,
    check_new,
    check_phone,
    normal_id_card,
    problems_of,
)
from models import (
    DuesCategory,
    Education,
    FloatingStatus,
    Gender,
    Member,
    MemberStatus,
    MemberTransfer,
    Organization,
    PartyPost,
    Standing,
    TransferStatus,
)
from models.base import max_chars
from resolvers.batch import page_batch, rows_by_id
from resolvers.context import Context
from resolvers.errors import BadUserInput, ClientError, Conflict, Forbidden
from resolvers.ids import to_global_id
from resolvers.org import (
    ON_ROLL,
    member_scope,
    members_in,
    members_of,
    name_contains,
    scoped_members,
)
from resolvers.pagination import Order, Page, Window, cut, make_page
from resolvers.write import Write

MEMBER_COLUMNS = tuple(Member.__table__.c)
# the year alone: an order (and its cursors) by the full date would tell birthdays
BIRTH_YEAR = cast(extract("year", Member.birth_date), Integer).label("birth_year")
SORT_KEYS = {
    "TREE": Member.org_path,
    "ID": None,
    "NAME": Member.name,
    "BIRTH_DATE": BIRTH_YEAR,
}


def order_by(field: str = "TREE", descending: bool = False) -> Order:
    """Tree order (org path, then id) is the default: the (org_path, id) index serves both
    the subtree filter and the order, so a page reads only its own rows."""
    return Order(SORT_KEYS[field], Member.id, descending)


def pii(
    ctx: Context,
    org_path: str,
    member_id: int,
    id_card: str | None,
    phone: str | None,
    address: str | None,
    born: dt.date | None,
) -> tuple[str | None, str | None, str | None, dt.date | None]:
    """(ID-card number, phone, address, birth date) as the caller may see them: masked, and
    the birth date withheld (it is 8 digits of the ID card), without `member.pii` for the
    member's org; None where the column was not read."""
    if ctx.scope(Resource.MEMBER_PII, Action.READ).covers(org_path, member_id):
        return id_card, phone, address, born
    return (
        id_card and mask_id_card(id_card),
        phone and mask_phone(phone),
        address and mask_address(address),
        None,
    )


def projected(columns: frozenset[str] | None, order: Order) -> tuple[ColumnElement, ...]:
    """The member columns, those outside `columns` (None: all) read as NULL under their own
    name: rows keep one shape, and a page reads and decodes only what its fields need. The id,
    the org path (scope, masking) and the sort key are always read (cursors), the key after
    the columns where it is an expression (the year of birth)."""
    key = order.key.key if order.key is not None else "id"
    derived = (order.key,) if order.key is BIRTH_YEAR else ()
    if columns is None:
        return MEMBER_COLUMNS + derived
    keep = columns | {"id", "org_path", key}
    return tuple(c if c.key in keep else null().label(c.key) for c in MEMBER_COLUMNS) + derived


async def load_members(ctx: Context, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ctx.session, scoped_members(ctx, *MEMBER_COLUMNS), Member.id, ids)


async def get_member(ctx: Context, member_id: int | None) -> Row | None:
    """One visible member, or None (missing and out of scope look the same)."""
    return await ctx.load(load_members, member_id)


@dataclass(frozen=True)
class MemberQuery:
    """Directory filters; `under` is a visible org path."""

    under: str | None = None
    status: tuple[MemberStatus, ...] = ()
    gender: Gender | None = None
    dues_category: DuesCategory | None = None
    floating: FloatingStatus | None = None
    joined_from: dt.date | None = None
    joined_to: dt.date | None = None
    age_min: int | None = None
    age_max: int | None = None
    name: str | None = None
    # none: the active roll only; archived members are listed when asked for by standing
    standing: tuple[Standing, ...] = ()

    def apply(self, stmt: Select, today: dt.date) -> Select:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise BadUserInput("ageMin must not exceed ageMax")
        if self.joined_from and self.joined_to and self.joined_from > self.joined_to:
            raise BadUserInput("joinedFrom must not be after joinedTo")
        for age in (self.age_min, self.age_max):
            if age is not None and not 0 <= age <= 150:
                raise BadUserInput("ages must be between 0 and 150")
        conds: list[ColumnElement[bool]] = [
            Member.standing.in_(self.standing) if self.standing else ON_ROLL
        ]
        if self.under:
            conds.append(subtree(Member.org_path, self.under))
        if self.status:
            conds.append(Member.status.in_(self.status))
        for col, value in (
            (Member.gender, self.gender),
            (Member.dues_category, self.dues_category),
            (Member.floating, self.floating),
        ):
            if value is not None:
                conds.append(col == value)
        if self.joined_from:
            conds.append(Member.joined_on >= self.joined_from)
        if self.joined_to:
            conds.append(Member.joined_on <= self.joined_to)
        if self.age_min is not None:
            conds.append(Member.birth_date < born_before(today.year, self.age_min))
        if self.age_max is not None:
            conds.append(Member.birth_date >= born_before(today.year, self.age_max + 1))
        if self.name:
            conds.append(name_contains(Member.name, self.name, "filter.name"))
        return stmt.where(*conds)


@lru_cache(maxsize=512)
def page_select(
    scope: Scope,
    q: MemberQuery,
    order: Order,
    columns: frozenset[str] | None,
    today: dt.date,
    size: int,
    bounds: tuple[bool, bool],
    backward: bool,
) -> Select:
    """A directory page's statement, built once per scope, query, order, columns and window
    shape: `bounds` says whether there is an `after` and a `before` cursor, whose positions
    are parameters (`Order.parameter_values`)."""
    stmt = q.apply(members_in(scope, *projected(columns, order)), today)
    return cut(stmt.where(*order.parameter_bounds(*bounds)), order, size, backward)


async def list_members(
    ctx: Context,
    q: MemberQuery,
    order: Order,
    window: Window,
    columns: frozenset[str] | None = None,
) -> Page[Row]:
    """Visible members matching `q`, reading `columns` (None: all, see `projected`)."""
    bounds = (bool(window.after), bool(window.before))
    stmt = page_select(
        member_scope(ctx), q, order, columns, ctx.today, window.size, bounds, window.backward
    )
    rows = (await ctx.session.execute(stmt, order.parameter_values(window) or None)).all()

    async def count() -> int:
        counted = q.apply(scoped_members(ctx, func.count()), ctx.today)
        return await ctx.session.scalar(counted) or 0

    return make_page(rows, order, window, count)


@dataclass(frozen=True)
class OrgMembersKey:
    org_id: int
    path: str
    subtree: bool
    window: Window


BY_ID = order_by()


async def load_org_members(ctx: Context, keys: Sequence[OrgMembersKey]) -> list[Page[Row]]:
    """Pages of several orgs' members in one statement."""
    return await page_batch(
        ctx.session,
        keys,
        lambda k: members_of(scoped_members(ctx, *MEMBER_COLUMNS), k.org_id, k.path, k.subtree),
        BY_ID,
    )


async def org_members(ctx: Context, key: OrgMembersKey) -> Page[Row]:
    return await ctx.loader(load_org_members).load(key)


# ---- writes: the archive (党员档案) ------------------------------------------------------

DUPLICATE = "a member with this idCardNumber is already in the archive"


def archive_of(row: Member | Row) -> dict:
    """An archive entry as the audit trail keeps it (`authz.masking.redact` masks the PII)."""
    keys = ("name", "gender", "ethnicity", "birth_date", "education", "id_card_number", "phone",
            "address", "status", "dues_category", "party_post", "added_how", "org_id",
            "applied_on", "joined_on", "confirmed_on")  # fmt: skip
    return {k: getattr(v, "name", v) for k in keys if (v := getattr(row, k)) is not None}


@dataclass(frozen=True)
class NewMember:
    """`addMember`'s input (and an import row's), named as the input fields."""

    organization_id: int | None
    facts: Facts
    education: Education
    dues_category: DuesCategory
    party_post: PartyPost | None = None


def new_row(m: NewMember, org: Row) -> Member:
    f = m.facts
    return Member(
        name=f.name.strip(),
        gender=f.gender,
        ethnicity=f.ethnicity.strip(),
        birth_date=f.birth_date,
        education=m.education,
        id_card_number=normal_id_card(f.id_card_number),
        phone=f.phone.strip(),
        address=f.address.strip(),
        status=f.status,
        dues_category=m.dues_category,
        party_post=m.party_post,
        applied_on=f.applied_on,
        joined_on=f.joined_on,
        confirmed_on=f.confirmed_on,
        org_id=org.id,
        org_path=org.path,
        floating=FloatingStatus.NONE,
        standing=Standing.ACTIVE,
        added_how=f.added_how,
        version=1,
    )


def write_scope(ctx: Context) -> Scope:
    return ctx.scope(Resource.MEMBER, Action.WRITE)


async def member_org(w: Write, org_id: int | None) -> Row:
    """An organisation whose archive the caller keeps (FORBIDDEN otherwise, as for none)."""
    org = await w.authorized(
        Organization,
        org_id,
        Action.WRITE,
        Organization.id,
        Organization.path,
        Organization.level,
        resource=Resource.MEMBER,
    )
    if org is None:
        raise Forbidden("you may not keep the archive of this organisation")
    check_member_org(org.level)
    return org


async def add_member(w: Write, m: NewMember) -> int:
    """Enter a member in a branch's archive (developed, transferred in or restored)."""
    org = await member_org(w, m.organization_id)
    check_new(m.facts, w.ctx.today)
    row = new_row(m, org)
    w.session.add(row)
    await w.flush(Conflict(DUPLICATE))  # the ID-card number is unique in the city
    w.record(to_global_id("Member", row.id), org.path, after=archive_of(row))
    return row.id


ARCHIVE = (
    Member.id,
    Member.org_path,
    Member.version,
    Member.standing,
    Member.status,
    Member.joined_on,
    Member.phone,
    Member.address,
    Member.education,
    Member.party_post,
)


async def kept_member(w: Write, member_id: int | None, expected_version: int) -> Row:
    """A member whose archive the caller keeps, at the version the caller read."""
    row = await w.authorized(
        Member, member_id, Action.WRITE, *ARCHIVE, self_allowed=False
    )  # members read their archive; their branch keeps it
    if row is None:
        raise Forbidden("you may not change this member's archive")
    if row.version != expected_version:
        raise Conflict("the member's archive changed since you read it: reload and try again")
    return row


async def save_archive(w: Write, row: Row, values: dict) -> None:
    """Write `values` to the member only if nobody did since `row.version`; audited with the
    values before and after (masked in the trail)."""
    bump = (
        unscoped(update(Member), why="the member authorized above")
        .where(Member.id == row.id, Member.version == row.version)
        .values(version=row.version + 1, **values)
    )
    if await w.change(bump) != 1:
        raise Conflict("the member's archive changed since you read it: reload and try again")
    plain = {k: getattr(v, "name", v) for k, v in values.items()}
    before = {k: getattr(getattr(row, k, None), "name", getattr(row, k, None)) for k in values}
    w.record(
        to_global_id("Member", row.id),
        row.org_path,
        before={"version": row.version, **before},
        after={"version": row.version + 1, **plain},
    )


@dataclass(frozen=True)
class MemberChanges:
    """`updateMember`'s input: None leaves a field as it is."""

    phone: str | None = None
    address: str | None = None
    education: Education | None = None
    party_post: PartyPost | None = None
    clear_party_post: bool = False


async def update_member(
    w: Write, member_id: int | None, expected_version: int, changes: MemberChanges
) -> int:
    """Contact, address, education and party post of a member on the roll."""
    row = await kept_member(w, member_id, expected_version)
    check_active(row.standing)
    values: dict = {}
    if changes.phone is not None:
        check_phone(changes.phone.strip())
        values["phone"] = changes.phone.strip()
    if changes.address is not None:
        if not changes.address.strip():
            raise BadUserInput("address must not be empty")
        values["address"] = changes.address.strip()
    if changes.education is not None:
        values["education"] = changes.education
    if changes.clear_party_post and changes.party_post is not None:
        raise BadUserInput("give partyPost or clearPartyPost, not both")
    if changes.party_post is not None or changes.clear_party_post:
        values["party_post"] = changes.party_post
    values = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not values:
        raise BadUserInput("nothing to change")
    await save_archive(w, row, values)
    return row.id


async def leave_roll(
    w: Write,
    member_id: int | None,
    standing: Standing,
    on: dt.date,
    reason: str | None,
    expected_version: int,
) -> int:
    """Death, 停止党籍 or 出党: the member leaves every active count; the archive stays."""
    row = await kept_member(w, member_id, expected_version)
    reason = (reason or "").strip() or None
    check_leaving(row.standing, standing, row.status, row.joined_on, on, reason, w.ctx.today)
    waiting = await w.session.scalar(
        unscoped(
            select(func.count()).where(
                MemberTransfer.member_id == row.id,
                MemberTransfer.status == TransferStatus.PENDING,
            ),
            why="the transfers of the member authorized above",
        )
    )
    if waiting:
        raise BadUserInput("the member has a transfer waiting: it is answered first")
    values = {"standing": standing, "standing_on": on, "standing_reason": reason}
    await save_archive(w, row, values)
    return row.id


# ---- bulk import (批量导入) --------------------------------------------------------------


@dataclass
class ImportReport:
    dry_run: bool
    rows: int
    added: int = 0
    problems: list[tuple[int, str]] = dataclasses_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(ClientError):
    """A run with problems: nothing was added; the report says why, row by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} problems: nothing was imported")
        self.report = report


LENGTHS = ("name", "ethnicity", "id_card_number", "phone", "address")


def _too_long(m: NewMember) -> list[str]:
    out = []
    for key in LENGTHS:
        most = max_chars(Member.__table__.c[key])
        value = getattr(m.facts, key)
        if most is not None and len(value) > most:
            out.append(f"{key} must be at most {most} characters")
    return out


CHUNK = 500  # ids per IN list: far below every driver's limit of parameters


async def _orgs_by_code(w: Write, codes: set[str]) -> dict[str, Row]:
    """The branches among `codes` whose archive the caller keeps (others are as missing)."""
    found: dict[str, Row] = {}
    listed = sorted(codes)
    for start in range(0, len(listed), CHUNK):
        stmt = scoped(
            write_scope(w.ctx), Organization, Organization.id, Organization.path,
            Organization.level, Organization.code,
        ).where(Organization.code.in_(listed[start : start + CHUNK]))  # fmt: skip
        found.update({r.code: r for r in await w.session.execute(stmt)})
    return found


async def _known_cards(w: Write, cards: list[str]) -> set[str]:
    """Those of `cards` already in the archive of the city (the unique index would refuse
    them; saying so tells no more than that refusal)."""
    known: set[str] = set()
    for start in range(0, len(cards), CHUNK):
        known.update(
            await w.session.scalars(
                unscoped(
                    select(Member.id_card_number).where(
                        Member.id_card_number.in_(cards[start : start + CHUNK])
                    ),
                    why="uniqueness of ID-card numbers in the city, as addMember's CONFLICT",
                )
            )
        )
    return known


def _member(parsed: Parsed) -> NewMember | None:
    if parsed.facts is None or parsed.education is None:
        return None
    return NewMember(None, parsed.facts, parsed.education, parsed.dues_category)


async def import_members(
    w: Write, rows: Sequence[tuple[int, Parsed]], dry_run: bool
) -> ImportReport:
    """Check every row (its number in the file, as read) as `addMember` would, all of them,
    reporting each problem with its row number; unless a dry run, add them all or none."""
    ctx = w.ctx
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    orgs = await _orgs_by_code(w, {p.org_code for _, p in rows if p.org_code})
    cards = [p.facts.id_card_number for _, p in rows if p.facts]
    known = await _known_cards(w, cards)
    seen: dict[str, int] = {}
    ready: list[tuple[NewMember, Row]] = []
    for number, parsed in rows:
        problems = list(parsed.problems)
        member = _member(parsed)
        org = orgs.get(parsed.org_code)
        if org is None and parsed.org_code:
            problems.append(
                f"所在党组织编码 {parsed.org_code!r} names no branch whose archive you keep"
            )
        elif org is not None:
            try:
                check_member_org(org.level)
            except RuleViolation as e:  # reported with the row's other problems
                problems.append(str(e))
        if member is not None:
            problems += problems_of(member.facts, ctx.today) + _too_long(member)
            card = member.facts.id_card_number
            if card in known:
                problems.append(DUPLICATE)
            elif card in seen:
                problems.append(f"idCardNumber repeats row {seen[card]}")
            seen.setdefault(card, number)
            if org is not None and not problems:
                ready.append((member, org))
        report.problems += [(number, p) for p in problems]
    if not report.ok:
        if dry_run:
            return report
        raise ImportRefused(report)
    if dry_run:
        return report
    added = [new_row(m, org) for m, org in ready]
    w.session.add_all(added)
    await w.flush(Conflict(DUPLICATE))
    for row in added:
        w.record(to_global_id("Member", row.id), row.org_path, after=archive_of(row))
    report.added = len(added)
    return report
