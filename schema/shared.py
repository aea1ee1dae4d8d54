"""What the areas' GraphQL types share: the breadcrumb, counts by key, argument aliases, and the
one documented deferral of the schema.

`schema/org.py` and `schema/member.py` assemble `Organization` and `Member` from every area's
fields (`CheckInOrganization`, `DuesMember`, …), so they import the area modules. An area that
returns a `Member` therefore reaches it lazily: through `MemberRef` (a strawberry lazy type)
and `member_of` / `member_by_id` below, whose imports are deferred to the call; likewise the
breadcrumb's `Organization` and any object by global id (`node_by_id`, the registry of
`schema/query.py`). No other module of the schema defers an import.
"""

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from sqlalchemy import Row

from domain.calendar import FORMS
from models import OrgLevel
from resolvers import checkin as checkin_resolvers
from resolvers import floating as floating_resolvers
from resolvers import org as org_resolvers
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.relay import Node

if TYPE_CHECKING:
    from schema.member import Member
    from schema.org import Organization

MemberRef = Annotated["Member", strawberry.lazy("schema.member")]
OrganizationRef = Annotated["Organization", strawberry.lazy("schema.org")]
INPUT = strawberry.argument(description="The change to make.")
PeriodArg = Annotated[
    str | None,
    strawberry.argument(description=f"Reporting period: {FORMS}; the current year by default."),
]


@strawberry.type(
    description="An organisation above or around your scope (面包屑): name and level only. Its "
    "ID is its own, not the organisation's (one object, one type, for client caches); "
    "`organization` is the organisation itself where you may see it."
)
class Breadcrumb(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="Full name, e.g. 中共重庆市江津区委员会.")
    level: OrgLevel = strawberry.field(description="Level in the tree.")

    @classmethod
    def from_row(cls, row: Row) -> "Breadcrumb":
        return cls.of(row.id, row.name, row.level)

    @classmethod
    def of(cls, org_id: int, name: str, level: OrgLevel) -> "Breadcrumb":
        return cls(
            id=strawberry.ID(to_global_id("Breadcrumb", org_id)), pk=org_id, name=name, level=level
        )

    @strawberry.field(description="The organisation itself; null when outside your scope.")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        from schema.org import org_node  # the deferral: see the module docstring

        return await org_node(info.context, self.pk)


def crumb(org_id: int | None, name: str, level: OrgLevel) -> Breadcrumb | None:
    return None if org_id is None else Breadcrumb.of(org_id, name, level)


async def breadcrumb_node(ctx: Context, pk: int) -> Breadcrumb | None:
    """A breadcrumb the caller may see: an org in scope or on their trail, or one that a
    visible check-in, service record, post, floating record or symposium names."""
    row = (
        await org_resolvers.breadcrumb(ctx, pk)
        or await checkin_resolvers.named_org(ctx, pk)
        or await floating_resolvers.named_org(ctx, pk)
    )
    return Breadcrumb.from_row(row) if row else None


@strawberry.type(description="How many items fall under one key (a status, a level, …).")
class CountByKey:
    key: str = strawberry.field(description="The grouping value, e.g. `FULL` or `30_39`.")
    count: int = strawberry.field(description="Number of items with that value.")


def counts(values: dict[str, int]) -> list[CountByKey]:
    return [CountByKey(key=k, count=v) for k, v in sorted(values.items())]


def member_from_row(ctx: Context, row: Row) -> "Member":
    """A member row as the GraphQL type (the deferral: see the module docstring)."""
    from schema.member import Member

    return Member.from_row(ctx, row)


def member_of(ctx: Context, row: Row | None) -> "Member | None":
    return member_from_row(ctx, row) if row else None


async def linked_member_of(ctx: Context, member_id: int | None) -> "Member | None":
    """A member as a record links to them (a check-in, an activity, a floating or study
    record): where the caller sees the member or the record, masked as every member is."""
    if member_id is None:
        return None
    return member_of(ctx, await checkin_resolvers.linked_member(ctx, member_id))


D = TypeVar("D")


def given(cls: type[D], input: object, **converted: Any) -> D:
    """The dataclass `cls` of what the resolvers take, from the input fields of the same
    names (`converted` for those that change type on the way)."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in converted]  # type: ignore[arg-type]
    return cls(**{n: getattr(input, n) for n in names}, **converted)


async def node_by_id(ctx: Context, gid: str) -> Node | None:
    """Any visible object by global id, as `node(id)` (the deferral: see the module
    docstring)."""
    from schema.query import node_of

    return await node_of(ctx, gid)


async def member_by_id(ctx: Context, pk: int | None) -> "Member | None":
    """A visible member by id, or None (the deferral: see the module docstring)."""
    from schema.member import member_node

    return await member_node(ctx, pk)


async def org_by_id(ctx: Context, pk: int | None) -> "Organization | None":
    """A visible organisation by id, or None (the deferral: see the module docstring)."""
    from schema.org import org_node

    return await org_node(ctx, pk)
