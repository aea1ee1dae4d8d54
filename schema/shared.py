"""What the areas' GraphQL types share: the breadcrumb, counts by key, argument aliases, and the
one documented deferral of the schema.

`schema/org.py` and `schema/member.py` assemble `Organization` and `Member` from every area's
fields (`CheckInOrganization`, `DuesMember`, …), so they import the area modules. An area that
returns a `Member` therefore reaches it lazily: through `MemberRef` (a strawberry lazy type)
and `member_of` / `member_by_id` below, whose imports are deferred to the call. No other module
of the schema defers an import.
"""

from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import Row

from domain.calendar import FORMS
from models import OrgLevel
from resolvers.context import Context
from resolvers.ids import to_global_id

if TYPE_CHECKING:
    from schema.member import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.member")]
INPUT = strawberry.argument(description="The change to make.")
PeriodArg = Annotated[
    str | None,
    strawberry.argument(description=f"Reporting period: {FORMS}; the current year by default."),
]


@strawberry.type(description="An organisation above or around your scope: name and level only.")
class Breadcrumb:
    id: strawberry.ID = strawberry.field(description="Global ID of the organisation.")
    name: str = strawberry.field(description="Full name, e.g. 中共重庆市江津区委员会.")
    level: OrgLevel = strawberry.field(description="Level in the tree.")

    @classmethod
    def from_row(cls, row: Row) -> "Breadcrumb":
        return cls(
            id=strawberry.ID(to_global_id("Organization", row.id)), name=row.name, level=row.level
        )


def crumb(org_id: int | None, name: str, level: OrgLevel) -> Breadcrumb | None:
    if org_id is None:
        return None
    return Breadcrumb(
        id=strawberry.ID(to_global_id("Organization", org_id)), name=name, level=level
    )


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


async def member_by_id(ctx: Context, pk: int | None) -> "Member | None":
    """A visible member by id, or None (the deferral: see the module docstring)."""
    from schema.member import member_node

    return await member_node(ctx, pk)
