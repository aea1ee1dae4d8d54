"""GraphQL types of accounts and role grants: the caller's own (`Viewer`), and those an
administrator sees and changes (任免: grant and revoke roles; accounts of members)."""

from typing import Annotated

import strawberry
from sqlalchemy import Row

from authz.principal import Principal
from models import OrgLevel
from resolvers import account as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.relay import After, Before, Connection, First, Last, Node, connection, window
from schema.shared import INPUT, Breadcrumb, MemberRef, member_by_id

RoleArg = Annotated[
    str | None, strawberry.argument(description="Only grants of this role, e.g. branch_secretary.")
]


@strawberry.type(
    description="A role held over the subtree of one organisation (user → role @ org). `node` "
    "finds the caller's own, and those at organisations where the caller administers accounts."
)
class Grant(Node):
    role: str = strawberry.field(
        description="Role name: city_admin, district_admin, street_admin, community_secretary, "
        "branch_secretary, auditor or member (self only)."
    )
    scope: Breadcrumb = strawberry.field(description="The organisation the role applies to.")
    account_id: strawberry.Private[int]

    @classmethod
    def of(cls, pk: int, role: str, org_id: int, name: str, level: OrgLevel, account_id: int):
        return cls(
            id=strawberry.ID(to_global_id("Grant", pk)),
            role=role,
            scope=Breadcrumb.of(org_id, name, level),
            account_id=account_id,
        )

    @classmethod
    def from_row(cls, row: Row) -> "Grant":
        return cls.of(row.id, row.role, row.org_id, row.name, row.level, row.account_id)

    @strawberry.field(
        description="The account holding the role; null unless you administer its accounts."
    )
    async def account(self, info: strawberry.Info) -> "Account | None":
        return await account_node(info.context, self.account_id)


@strawberry.type(
    description="A login account (账号) of a member, as the administrators over its scope see it; "
    "deactivating it or signing it out takes effect on its next request."
)
class Account(Node):
    pk: strawberry.Private[int]
    member_id: strawberry.Private[int | None]
    username: str = strawberry.field(description="Login name, unique in the city.")
    display_name: str = strawberry.field(description="Name shown in the interface.")
    active: bool = strawberry.field(description="False once deactivated: every request refused.")
    version: int = strawberry.field(
        description="Changes with every deactivation or sign-out: pass it as `expectedVersion`."
    )

    @classmethod
    def from_row(cls, row: Row) -> "Account":
        return cls(
            id=strawberry.ID(to_global_id("Account", row.id)),
            pk=row.id,
            member_id=row.member_id,
            username=row.username,
            display_name=row.display_name,
            active=row.active,
            version=row.version,
        )

    @strawberry.field(description="The account's member record (null outside your scope).")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)

    @strawberry.field(description="The roles the account holds at organisations in your scope.")
    async def grants(
        self,
        info: strawberry.Info,
        role: RoleArg = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Grant]:
        key = resolvers.GrantsKey(
            window(info, first, after, last, before), account_id=self.pk, role=role
        )
        return connection(await resolvers.grants(info.context, key), Grant.from_row)


@strawberry.type(
    description="The grant a member's party post calls for (e.g. the secretary 书记 of a branch: "
    "branch_secretary there) that their account does not hold yet; grant it with `grantRole`."
)
class OfferedGrant:
    role: str = strawberry.field(description="The role to grant.")
    scope: Breadcrumb = strawberry.field(description="The organisation to grant it at.")
    account_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The member's account; null if they have none yet (`createAccount` first)."
    )
    async def account(self, info: strawberry.Info) -> Account | None:
        return await account_node(info.context, self.account_id)


@strawberry.type
class AccountMember:
    """Account fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(description="The member's login account; null unless you administer it.")
    async def account(self, info: strawberry.Info) -> Account | None:
        row = await resolvers.member_account(info.context, self.pk)
        return Account.from_row(row) if row else None

    @strawberry.field(
        description="The grant the member's party post calls for, not held yet; null if none, "
        "or if you could not grant it."
    )
    async def offered_grant(self, info: strawberry.Info) -> OfferedGrant | None:
        offer = await resolvers.offered_grant(info.context, self.pk)
        if offer is None:
            return None
        return OfferedGrant(
            role=offer.role,
            scope=Breadcrumb.of(offer.org_id, offer.org_name, offer.level),
            account_id=offer.account_id,
        )


@strawberry.type
class AccountOrganization:
    """Grant fields of an organisation (assembled in schema/org.py)."""

    path: strawberry.Private[str]

    @strawberry.field(
        description="Roles granted at organisations of this subtree (where you administer "
        "accounts), oldest first."
    )
    async def grants(
        self,
        info: strawberry.Info,
        role: RoleArg = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Grant]:
        key = resolvers.GrantsKey(window(info, first, after, last, before), self.path, role=role)
        return connection(await resolvers.grants(info.context, key), Grant.from_row)


@strawberry.type(
    description="The authenticated caller; its ID is the account's, and `node` finds it for "
    "that account alone."
)
class Viewer(Node):
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Name shown in the interface.")
    account_id: strawberry.Private[int]
    member_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, p: Principal) -> "Viewer":
        return cls(
            id=strawberry.ID(to_global_id("Viewer", p.account_id)),
            username=p.username,
            display_name=p.display_name,
            account_id=p.account_id,
            member_id=p.member_id,
        )

    @strawberry.field(description="The caller's own member record, if they are a member.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await member_by_id(info.context, self.member_id)

    @strawberry.field(description="Roles held and where.")
    async def grants(self, info: strawberry.Info) -> list[Grant]:
        return [
            Grant.of(pk, role, row.id, row.name, row.level, self.account_id)
            for pk, role, row in await resolvers.grant_scopes(info.context)
        ]


async def viewer_node(ctx: Context, pk: int) -> Viewer | None:
    """The caller's own viewer; any other account's id is as missing."""
    p = ctx.require()
    return Viewer.of(p) if pk == p.account_id else None


async def grant_node(ctx: Context, pk: int | None) -> Grant | None:
    """The caller's own grant, or one at an organisation where they administer accounts."""
    row = await resolvers.get_grant(ctx, pk)
    return Grant.from_row(row) if row else None


async def account_node(ctx: Context, pk: int | None) -> Account | None:
    """An account the caller administers or audits; any other id is as missing."""
    row = await resolvers.get_account(ctx, pk)
    return Account.from_row(row) if row else None


# ---- writes ----------------------------------------------------------------------------------


@strawberry.input(description="Grant a role at an organisation (任命).")
class GrantRoleInput:
    username: str = strawberry.field(description="The account to grant it to.")
    role: str = strawberry.field(
        description="The role: district_admin at a DISTRICT, street_admin at a STREET or "
        "TOWNSHIP, community_secretary at a COMMUNITY, VILLAGE or BASE_COMMITTEE, "
        "branch_secretary at a BRANCH or GENERAL_BRANCH, auditor at a CITY, DISTRICT, STREET "
        "or TOWNSHIP, city_admin at the CITY."
    )
    organization_id: strawberry.ID = strawberry.field(
        description="Where: an organisation in your subtree, at or below your own tier."
    )


@strawberry.input(
    description="Revoke a grant (免职): by `grantId`, or by `username`, `role` and "
    "`organizationId`. A grant revoked before answers as a missing one."
)
class RevokeRoleInput:
    grant_id: strawberry.ID | None = strawberry.field(default=None, description="The grant.")
    username: str | None = strawberry.field(default=None, description="The account holding it.")
    role: str | None = strawberry.field(default=None, description="The role held.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="The organisation it is held at."
    )


@strawberry.input(description="Open a login account for a member of your scope.")
class CreateAccountInput:
    member_id: strawberry.ID = strawberry.field(description="The member (one account each).")
    username: str = strawberry.field(
        description="Login name: 3–64 lower-case letters, digits or _, starting with a letter; "
        "unique in the city. Sent again for the same member, the account made is answered."
    )
    display_name: str | None = strawberry.field(
        default=None, description="Name shown in the interface; the member's name by default."
    )


@strawberry.input(description="An account and the version you read of it.")
class AccountVersionInput:
    account_id: strawberry.ID = strawberry.field(description="The account.")
    expected_version: int = strawberry.field(
        description="`Account.version` as you read it; a later change is CONFLICT."
    )


@strawberry.type(description="The grant made (or already held).")
class GrantRolePayload:
    grant: Grant | None = strawberry.field(description="The grant.")


@strawberry.type(description="The grant revoked.")
class RevokeRolePayload:
    revoked_grant_id: strawberry.ID = strawberry.field(description="The ID the grant had.")
    account: Account | None = strawberry.field(description="The account that held it.")


@strawberry.type(description="The account as it is now.")
class AccountPayload:
    account: Account | None = strawberry.field(description="The account.")


def _account_pk(gid: str) -> int | None:
    return pk_of(gid, "Account")


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Grant a role (任命): administrators grant roles at or below their own tier "
        "inside their own subtree (only a city administrator grants city roles), never to "
        "themselves (FORBIDDEN). Granting a role held already answers that grant."
    )
    async def grant_role(
        self, info: strawberry.Info, input: Annotated[GrantRoleInput, INPUT]
    ) -> GrantRolePayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.grant_role,
            input.username,
            input.role,
            pk_of(input.organization_id, "Organization"),
        )
        return GrantRolePayload(grant=await grant_node(ctx, pk))

    @strawberry.mutation(
        description="Revoke a grant (免职) as `grantRole` would grant it; never your own "
        "(FORBIDDEN). Refused on the holder's very next request, in every server process."
    )
    async def revoke_role(
        self, info: strawberry.Info, input: Annotated[RevokeRoleInput, INPUT]
    ) -> RevokeRolePayload:
        ctx = info.context
        revoked = await perform(
            ctx,
            info.field_name,
            resolvers.revoke_role,
            pk_of(input.grant_id, "Grant") if input.grant_id else None,
            input.username,
            input.role,
            pk_of(input.organization_id, "Organization") if input.organization_id else None,
        )
        return RevokeRolePayload(
            revoked_grant_id=strawberry.ID(to_global_id("Grant", revoked.grant_id)),
            account=await account_node(ctx, revoked.account_id),
        )

    @strawberry.mutation(description="Open a login account for a member of your scope.")
    async def create_account(
        self, info: strawberry.Info, input: Annotated[CreateAccountInput, INPUT]
    ) -> AccountPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.create_account,
            pk_of(input.member_id, "Member"),
            input.username,
            input.display_name,
        )
        return AccountPayload(account=await account_node(ctx, pk))

    @strawberry.mutation(
        description="Deactivate an account: refused from its next request on; never your own."
    )
    async def deactivate_account(
        self, info: strawberry.Info, input: Annotated[AccountVersionInput, INPUT]
    ) -> AccountPayload:
        return await _set_active(info, input, False)

    @strawberry.mutation(description="Reactivate a deactivated account.")
    async def reactivate_account(
        self, info: strawberry.Info, input: Annotated[AccountVersionInput, INPUT]
    ) -> AccountPayload:
        return await _set_active(info, input, True)

    @strawberry.mutation(
        description="Sign an account out everywhere (强制下线): every token issued before is "
        "refused from its next request on; it signs in again for a new one."
    )
    async def sign_out_account(
        self, info: strawberry.Info, input: Annotated[AccountVersionInput, INPUT]
    ) -> AccountPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.sign_out,
            _account_pk(input.account_id),
            input.expected_version,
        )
        return AccountPayload(account=await account_node(ctx, pk))


async def _set_active(
    info: strawberry.Info, input: AccountVersionInput, active: bool
) -> AccountPayload:
    ctx = info.context
    pk = await perform(
        ctx,
        info.field_name,
        resolvers.set_active,
        _account_pk(input.account_id),
        active,
        input.expected_version,
    )
    return AccountPayload(account=await account_node(ctx, pk))
