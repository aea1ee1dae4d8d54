"""GraphQL types of 组织关系转接 (transfers of the membership relation)."""

import datetime as dt
import enum
from typing import Annotated

import strawberry
from sqlalchemy import Row

from models import MemberStatus, TransferStatus
from resolvers import transfer as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.relay import After, Before, Connection, First, Last, Node, connection, window
from schema.shared import INPUT, MemberRef, OrganizationRef, member_by_id, org_by_id


@strawberry.type(
    description="A transfer of a member's Party relation (组织关系转接), read from the sending "
    "and the receiving subtree and by the member. The receiving side reads the member's name "
    "and status here; their archive (`member`) only once it has accepted."
)
class MemberTransfer(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int]
    from_org_id: strawberry.Private[int]
    to_org_id: strawberry.Private[int | None]
    letter_number: str = strawberry.field(description="Letter of introduction number (介绍信编号).")
    status: TransferStatus = strawberry.field(
        description="Waiting, accepted, returned or out of the city."
    )
    member_name: str = strawberry.field(description="The member's name.")
    member_status: MemberStatus = strawberry.field(description="Probationary or full member.")
    from_name: str = strawberry.field(description="The sending organisation's name.")
    to_name: str | None = strawberry.field(
        description="The receiving organisation's name (null for a transfer out of the city)."
    )
    destination: str | None = strawberry.field(
        description="Outside the city: where the member went, as text."
    )
    issued_on: dt.date = strawberry.field(description="Date the letter was issued.")
    due_on: dt.date = strawberry.field(description="The receiving side answers by this day.")
    overdue: bool = strawberry.field(description="Still waiting past its due day.")
    decided_on: dt.date | None = strawberry.field(description="Date accepted or returned.")
    reason: str | None = strawberry.field(description="Why it was returned (or a remark).")
    version: int = strawberry.field(description="Pass it back as `expectedVersion` to answer.")

    @classmethod
    def from_row(cls, ctx: Context, r: Row) -> "MemberTransfer":
        return cls(
            id=strawberry.ID(to_global_id("MemberTransfer", r.id)),
            pk=r.id,
            member_id=r.member_id,
            from_org_id=r.from_org_id,
            to_org_id=r.to_org_id,
            letter_number=r.letter_number,
            status=r.status,
            member_name=r.member_name,
            member_status=r.member_status,
            from_name=r.from_name,
            to_name=r.to_name,
            destination=r.destination,
            issued_on=r.issued_on,
            due_on=r.due_on,
            overdue=resolvers.overdue(ctx, r),
            decided_on=r.decided_on,
            reason=r.reason,
            version=r.version,
        )

    @strawberry.field(
        description="The member's archive; null where you may not read it (the receiving side "
        "until it accepts, the sending side after)."
    )
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)

    @strawberry.field(description="The sending organisation; null outside your scope.")
    async def from_organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.from_org_id)

    @strawberry.field(description="The receiving organisation; null outside your scope.")
    async def to_organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.to_org_id)


async def transfer_node(ctx: Context, pk: int) -> MemberTransfer | None:
    row = await resolvers.get_transfer(ctx, pk)
    return MemberTransfer.from_row(ctx, row) if row else None


@strawberry.type
class TransferMember:
    """The member's transfer (assembled into `Member` in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="The member's latest transfer you may see (its status is what the member "
        "follows); null if none."
    )
    async def transfer(self, info: strawberry.Info) -> MemberTransfer | None:
        row = await resolvers.latest_transfer(info.context, self.pk)
        return MemberTransfer.from_row(info.context, row) if row else None


@strawberry.enum(description="Which side of an organisation's transfers.")
class TransferDirection(enum.Enum):
    INCOMING = strawberry.enum_value("INCOMING", description="To this subtree (转入).")
    OUTGOING = strawberry.enum_value("OUTGOING", description="From this subtree (转出).")


@strawberry.type
class TransferOrganization:
    """Transfer fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(description="Transfers into or out of this subtree, newest last.")
    async def transfers(
        self,
        info: strawberry.Info,
        direction: Annotated[
            TransferDirection, strawberry.argument(description="Incoming or outgoing.")
        ],
        status: Annotated[
            TransferStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        overdue: Annotated[
            bool, strawberry.argument(description="Only those waiting past their due day.")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MemberTransfer]:
        ctx = info.context
        key = resolvers.TransfersKey(
            self.path,
            direction is TransferDirection.INCOMING,
            status,
            overdue,
            window(info, first, after, last, before),
        )
        page = await resolvers.transfers(ctx, key)
        return connection(page, lambda r: MemberTransfer.from_row(ctx, r))


@strawberry.input(
    description="Transfer a member to a branch of the city, or out of the city (a destination "
    "as text). Completes at once where you keep both archives; else the receiving "
    "organisation accepts or returns it."
)
class TransferMemberInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    to_organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="The receiving branch (党支部) in the city."
    )
    destination: str | None = strawberry.field(
        default=None, description="Outside the city: where the member goes (as text)."
    )
    letter_number: str | None = strawberry.field(
        default=None,
        description="Letter of introduction number (介绍信编号); one is made if not given.",
    )
    expected_version: int = strawberry.field(
        description="The member's archive version you read; a stale one gets CONFLICT."
    )
    idempotency_key: str = strawberry.field(
        description="8–80 characters, unique per request of your account: a retry with the same "
        "key returns the first answer."
    )


@strawberry.input(description="Answer a transfer to your organisation.")
class AnswerTransferInput:
    transfer_id: strawberry.ID = strawberry.field(description="The transfer.")
    expected_version: int = strawberry.field(description="The transfer version you read.")
    idempotency_key: str = strawberry.field(description="As for transferMember.")
    reason: str | None = strawberry.field(
        default=None, description="Why (required to return a transfer)."
    )


@strawberry.type(description="Result of a transfer step.")
class TransferPayload:
    transfer: MemberTransfer | None = strawberry.field(description="The transfer as it is now.")


async def _answer(
    info: strawberry.Info, input: AnswerTransferInput, *, accept: bool
) -> TransferPayload:
    """The receiving side's answer, either way (one action: `resolvers.transfer.decide`)."""
    ctx = info.context
    decision = resolvers.Decision(
        transfer_id=pk_of(input.transfer_id, "MemberTransfer"),
        expected_version=input.expected_version,
        idempotency_key=input.idempotency_key,
        reason=input.reason,
    )
    pk = await perform(ctx, info.field_name, resolvers.decide, accept, decision)
    return TransferPayload(transfer=await transfer_node(ctx, pk))


@strawberry.type
class TransferMutation:
    @strawberry.mutation(description="Transfer a member (组织关系转接); idempotent by key.")
    async def transfer_member(
        self, info: strawberry.Info, input: Annotated[TransferMemberInput, INPUT]
    ) -> TransferPayload:
        ctx = info.context
        req = resolvers.TransferRequest(
            member_id=pk_of(input.member_id, "Member"),
            to_organization_id=(
                pk_of(input.to_organization_id, "Organization") or -1
                if input.to_organization_id
                else None
            ),
            destination=input.destination,
            letter_number=input.letter_number,
            expected_version=input.expected_version,
            idempotency_key=input.idempotency_key,
        )
        pk = await perform(ctx, info.field_name, resolvers.transfer_member, req)
        return TransferPayload(transfer=await transfer_node(ctx, pk))

    @strawberry.mutation(description="Accept a transfer: the member joins your organisation.")
    async def accept_transfer(
        self, info: strawberry.Info, input: Annotated[AnswerTransferInput, INPUT]
    ) -> TransferPayload:
        return await _answer(info, input, accept=True)

    @strawberry.mutation(description="Return a transfer to the sending side, with a reason.")
    async def return_transfer(
        self, info: strawberry.Info, input: Annotated[AnswerTransferInput, INPUT]
    ) -> TransferPayload:
        return await _answer(info, input, accept=False)
