"""GraphQL types of the member directory (党员)."""

import datetime as dt
import enum
from dataclasses import fields
from typing import Annotated, Self

import strawberry
from sqlalchemy import Row

from domain.member import Facts, normal_id_card
from models import (
    AdditionMethod,
    DuesCategory,
    Education,
    FloatingStatus,
    Gender,
    MemberStatus,
    PartyPost,
    Standing,
)
from resolvers import member as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.rows import Columns
from resolvers.write import perform
from schema.account import AccountMember
from schema.activity import ActivityMember
from schema.checkin import CheckInMember
from schema.development import DevelopmentMember
from schema.dues import DuesMember
from schema.floating import FloatingMember
from schema.learning import LearningMember
from schema.org import Organization, org_node
from schema.relay import Node
from schema.shared import INPUT
from schema.transfer import TransferMember

FIELDS = Columns(
    "id", "org_id", "org_path", "employer_org_id", "residential_org_id", "name", "gender",
    "ethnicity", "birth_date", "education", "id_card_number", "phone", "address", "status",
    "dues_category", "party_post", "applied_on", "joined_on", "confirmed_on", "floating",
    "standing", "standing_on", "standing_reason", "added_how", "version",
)  # fmt: skip
# the columns each Member field reads beyond id and org path (`resolvers.member.projected`)
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (), "id": (), "name": ("name",), "gender": ("gender",),
    "ethnicity": ("ethnicity",), "birthDate": ("birth_date",), "birthYear": ("birth_date",),
    "education": ("education",),
    "idCardNumber": ("id_card_number",), "phone": ("phone",), "address": ("address",),
    "status": ("status",), "duesCategory": ("dues_category",), "partyPost": ("party_post",),
    "appliedOn": ("applied_on",), "joinedOn": ("joined_on",), "confirmedOn": ("confirmed_on",),
    "floating": ("floating",), "lostContact": (), "organization": ("org_id",),
    "floatingRecord": (), "checkIns": (), "duesLedger": (), "developmentCase": (),
    "employer": ("employer_org_id",),
    "residentialCommunity": ("residential_org_id",), "activities": (), "account": (),
    "studyHours": ("party_post",), "studyResources": (),
    "offeredGrant": (), "standing": ("standing",),
    "standingOn": ("standing_on",), "standingReason": ("standing_reason",),
    "addedHow": ("added_how",), "version": ("version",), "transfer": (),
}  # fmt: skip


def columns_for(fields: frozenset[str]) -> frozenset[str] | None:
    """The member columns `fields` read; None (all) if one is not known here."""
    if not fields <= FIELD_COLUMNS.keys():
        return None
    return frozenset(c for f in fields for c in FIELD_COLUMNS[f])


@strawberry.type
class MemberFields(Node):
    """The directory's own fields of a member; `Member` adds the areas'."""

    pk: strawberry.Private[int]
    org_id: strawberry.Private[int]
    employer_org_id: strawberry.Private[int | None]
    residential_org_id: strawberry.Private[int | None]
    name: str = strawberry.field(description="Name (姓名).")
    gender: Gender = strawberry.field(description="Gender.")
    ethnicity: str = strawberry.field(description="Ethnic group (民族), e.g. 汉族, 土家族.")
    birth_date: dt.date | None = strawberry.field(
        description="Date of birth; null without PII permission (it is 8 digits of the ID-card "
        "number): `birthYear` is shown to all."
    )
    birth_year: int = strawberry.field(description="Year of birth.")
    education: Education = strawberry.field(description="Highest education (学历).")
    id_card_number: str = strawberry.field(
        description="Citizen ID number (身份证号); without PII permission only the province is "
        "shown, `500***************`: with the address and the year of birth, any further "
        "digit would narrow the number to a few guesses."
    )
    phone: str = strawberry.field(
        description="Mobile phone; only the last 4 digits without PII permission, `*******5678`."
    )
    address: str = strawberry.field(
        description="Home address; only its first 6 characters (province and district) without "
        "PII permission, `重庆市江津区****`."
    )
    status: MemberStatus = strawberry.field(description="Pipeline status.")
    dues_category: DuesCategory = strawberry.field(description="Dues category (党费类别).")
    party_post: PartyPost | None = strawberry.field(description="Post held, if any.")
    applied_on: dt.date | None = strawberry.field(description="Date of application (申请入党).")
    joined_on: dt.date | None = strawberry.field(
        description="Date admitted as probationary member (入党)."
    )
    confirmed_on: dt.date | None = strawberry.field(
        description="Date confirmed full member (转正)."
    )
    floating: FloatingStatus = strawberry.field(description="Floating-member status (流动党员).")
    standing: Standing = strawberry.field(
        description="On the active roll (在册), or left it: the archive stays."
    )
    standing_on: dt.date | None = strawberry.field(description="Date the member left the roll.")
    standing_reason: str | None = strawberry.field(
        description="Why (停止党籍, 出党), or where to (a transfer out of the city)."
    )
    added_how: AdditionMethod | None = strawberry.field(
        description="How the member entered the archive (增加方式); null for those recorded "
        "before the archive kept it."
    )
    version: int = strawberry.field(
        description="The archive's version: pass it back as `expectedVersion` to change it."
    )

    @classmethod
    def from_row(cls, ctx: Context, row: Row) -> Self:
        (pk, org_id, org_path, employer, residence, name, gender, ethnicity, birth_date,
         education, id_card, phone, address, status, dues_category, party_post, applied_on,
         joined_on, confirmed_on, floating, standing, standing_on,
         standing_reason, added_how, version) = FIELDS(row)  # fmt: skip
        id_card, phone, address, born = resolvers.pii(
            ctx, org_path, pk, id_card, phone, address, birth_date
        )
        return cls(
            id=strawberry.ID(to_global_id("Member", pk)),
            pk=pk,
            org_id=org_id,
            employer_org_id=employer,
            residential_org_id=residence,
            name=name,
            gender=gender,
            ethnicity=ethnicity,
            birth_date=born,
            # None only for a column the query did not select: never served
            birth_year=birth_date and birth_date.year,
            education=education,
            # None only for a column the query did not select: never served
            id_card_number=id_card,  # type: ignore[arg-type]
            phone=phone,  # type: ignore[arg-type]
            address=address,  # type: ignore[arg-type]
            status=status,
            dues_category=dues_category,
            party_post=party_post,
            applied_on=applied_on,
            joined_on=joined_on,
            confirmed_on=confirmed_on,
            floating=floating,
            standing=standing,
            standing_on=standing_on,
            standing_reason=standing_reason,
            added_how=added_how,
            version=version,
        )

    @strawberry.field(description="The member's own Party organisation (null outside your scope).")
    async def organization(self, info: strawberry.Info) -> Organization | None:
        return await org_node(info.context, self.org_id)


@strawberry.type
class MemberOrganizations:
    """The member's other organisations (dual membership: employer, residential community)."""

    employer_org_id: strawberry.Private[int | None]
    residential_org_id: strawberry.Private[int | None]

    @strawberry.field(description="For in-service members: the employer unit's organisation.")
    async def employer(self, info: strawberry.Info) -> Organization | None:
        return await org_node(info.context, self.employer_org_id)

    @strawberry.field(
        description="For in-service members: the residential community they "
        "report to (在职党员到社区报到)."
    )
    async def residential_community(self, info: strawberry.Info) -> Organization | None:
        return await org_node(info.context, self.residential_org_id)


@strawberry.type(
    description="A Party member or applicant (党员 / 入党申请人). ID-card number, "
    "phone and address are masked, and the birth date withheld, unless you hold "
    "`member.pii` for the member's organisation; the masks hold together with what else "
    "you may read (ages and the birth-date order go by the year of birth)."
)
class Member(
    MemberFields,
    FloatingMember,
    CheckInMember,
    DuesMember,
    DevelopmentMember,
    ActivityMember,
    LearningMember,
    AccountMember,
    TransferMember,
    MemberOrganizations,
):
    """The directory's fields first, then each area's, then the other organisations (the
    order of the SDL)."""


@strawberry.input(description="Filters of the member directory; all given filters must match.")
class MemberFilter:
    status: list[MemberStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    gender: Gender | None = strawberry.field(default=None, description="This gender.")
    dues_category: DuesCategory | None = strawberry.field(
        default=None, description="This dues category."
    )
    floating: FloatingStatus | None = strawberry.field(
        default=None, description="This floating status."
    )
    joined_from: dt.date | None = strawberry.field(
        default=None, description="Joined on or after this date."
    )
    joined_to: dt.date | None = strawberry.field(
        default=None, description="Joined on or before this date."
    )
    age_min: int | None = strawberry.field(
        default=None,
        description="Reaching at least this age this year (this year − year of birth, as Party "
        "statistics count ages: by the year, so that no filter tells a birthday).",
    )
    age_max: int | None = strawberry.field(
        default=None, description="Reaching at most this age this year (as `ageMin`)."
    )
    name: str | None = strawberry.field(default=None, description="Name contains this text.")
    standing: list[Standing] | None = strawberry.field(
        default=None,
        description="Any of these standings; without it, the active roll (在册) only.",
    )

    def query(self, under: str | None) -> resolvers.MemberQuery:
        values = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict copies deep
        values["status"] = tuple(values["status"] or ())
        values["standing"] = tuple(values["standing"] or ())
        return resolvers.MemberQuery(under=under, **values)


@strawberry.enum(description="Sort keys of the member directory.")
class MemberOrderField(enum.Enum):
    TREE = strawberry.enum_value(
        "TREE", description="Organisation tree order, then registration order (fastest)."
    )
    ID = strawberry.enum_value("ID", description="Registration order.")
    NAME = strawberry.enum_value("NAME", description="Name (Unicode order).")
    BIRTH_DATE = strawberry.enum_value(
        "BIRTH_DATE",
        description="Year of birth, then registration order (a finer order would tell birthdays).",
    )


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending.")
    DESC = strawberry.enum_value("DESC", description="Descending.")


@strawberry.input(description="Sort order of the member directory (ties broken by ID).")
class MemberOrder:
    field: MemberOrderField = strawberry.field(
        default=MemberOrderField.TREE, description="Sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Direction."
    )

    def order(self) -> resolvers.Order:
        return resolvers.order_by(self.field.name, self.direction is OrderDirection.DESC)


async def member_node(ctx: Context, pk: int | None) -> Member | None:
    """A visible member as its GraphQL type; None when missing or out of scope."""
    row = await resolvers.get_member(ctx, pk)
    return Member.from_row(ctx, row) if row else None


@strawberry.input(description="A member to enter in a branch's archive (党员档案).")
class AddMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The branch (党支部).")
    name: str = strawberry.field(description="Name (姓名).")
    gender: Gender = strawberry.field(description="Gender (性别).")
    ethnicity: str = strawberry.field(description="Ethnic group (民族), e.g. 汉族.")
    birth_date: dt.date = strawberry.field(description="Date of birth (出生日期).")
    id_card_number: str = strawberry.field(
        description="Citizen ID number (身份证号): its check character, birth date and sequence "
        "parity (odd for men) must agree with the record; unique in the city (CONFLICT)."
    )
    phone: str = strawberry.field(description="Mobile phone (手机), 11 digits.")
    address: str = strawberry.field(description="Home address (家庭住址).")
    education: Education = strawberry.field(description="Highest education (学历).")
    status: MemberStatus = strawberry.field(description="Pipeline status.")
    dues_category: DuesCategory = strawberry.field(description="Dues category (党费类别).")
    added_how: AdditionMethod = strawberry.field(description="How the member comes (增加方式).")
    applied_on: dt.date | None = strawberry.field(default=None, description="申请入党日期.")
    joined_on: dt.date | None = strawberry.field(
        default=None, description="入党日期 (required for Party members)."
    )
    confirmed_on: dt.date | None = strawberry.field(
        default=None, description="转正日期 (required for full members)."
    )
    party_post: PartyPost | None = strawberry.field(default=None, description="Post held.")

    def new(self) -> resolvers.NewMember:
        facts = Facts(
            name=self.name,
            gender=self.gender,
            ethnicity=self.ethnicity,
            birth_date=self.birth_date,
            id_card_number=normal_id_card(self.id_card_number),
            phone=self.phone.strip(),
            address=self.address,
            status=self.status,
            added_how=self.added_how,
            applied_on=self.applied_on,
            joined_on=self.joined_on,
            confirmed_on=self.confirmed_on,
        )
        return resolvers.NewMember(
            organization_id=pk_of(self.organization_id, "Organization"),
            facts=facts,
            education=self.education,
            dues_category=self.dues_category,
            party_post=self.party_post,
        )


@strawberry.input(description="Change a member's contact, address, education or party post.")
class UpdateMemberInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    expected_version: int = strawberry.field(
        description="The archive version you read; a stale one gets CONFLICT."
    )
    phone: str | None = strawberry.field(default=None, description="New mobile phone.")
    address: str | None = strawberry.field(default=None, description="New home address.")
    education: Education | None = strawberry.field(default=None, description="New education.")
    party_post: PartyPost | None = strawberry.field(default=None, description="New party post.")
    clear_party_post: bool = strawberry.field(
        default=False, description="The member no longer holds a post."
    )


@strawberry.input(description="A member leaves the active roll (the archive stays).")
class ChangeMemberStandingInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    standing: Standing = strawberry.field(description="DECEASED, STOPPED or EXPELLED.")
    on: dt.date = strawberry.field(description="Since when (去世, 停止党籍 or 出党 date).")
    reason: str | None = strawberry.field(
        default=None, description="Why (required for STOPPED and EXPELLED)."
    )
    expected_version: int = strawberry.field(description="The archive version you read.")


@strawberry.type(description="Result of an archive change.")
class MemberPayload:
    member: Member | None = strawberry.field(description="The member as it is now.")


@strawberry.type
class MemberMutation:
    @strawberry.mutation(description="Enter a member in a branch's archive.")
    async def add_member(
        self, info: strawberry.Info, input: Annotated[AddMemberInput, INPUT]
    ) -> MemberPayload:
        ctx = info.context
        pk = await perform(ctx, info.field_name, resolvers.add_member, input.new())
        return MemberPayload(member=await member_node(ctx, pk))

    @strawberry.mutation(description="Change a member's contact, address, education or post.")
    async def update_member(
        self, info: strawberry.Info, input: Annotated[UpdateMemberInput, INPUT]
    ) -> MemberPayload:
        ctx = info.context
        changes = resolvers.MemberChanges(
            phone=input.phone,
            address=input.address,
            education=input.education,
            party_post=input.party_post,
            clear_party_post=input.clear_party_post,
        )
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.update_member,
            pk_of(input.member_id, "Member"),
            input.expected_version,
            changes,
        )
        return MemberPayload(member=await member_node(ctx, pk))

    @strawberry.mutation(
        description="Record a death, 停止党籍 or 出党: the member leaves every active count."
    )
    async def change_member_standing(
        self, info: strawberry.Info, input: Annotated[ChangeMemberStandingInput, INPUT]
    ) -> MemberPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.leave_roll,
            pk_of(input.member_id, "Member"),
            input.standing,
            input.on,
            input.reason,
            input.expected_version,
        )
        return MemberPayload(member=await member_node(ctx, pk))
