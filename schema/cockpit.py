"""The cockpit (驾驶舱) of the digital operation and governance centre: every indicator for
a scope and a period, by child organisation, and as a 12-month trend."""

import dataclasses
import datetime as dt
from typing import Annotated

import strawberry

from domain.calendar import parse_period
from models import OrgLevel
from resolvers import cockpit as resolvers
from resolvers.cockpit import IndicatorKey
from resolvers.ids import pk_of
from resolvers.pagination import Window
from schema.relay import After, Before, Connection, First, Last, connection, window
from schema.shared import OrganizationRef, PeriodArg, org_by_id

strawberry.enum(
    IndicatorKey,
    description="An indicator of the cockpit (驾驶舱); each value's description is its formula.",
)
for _value in IndicatorKey.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _key = IndicatorKey[_value.name]
    _value.description = f"{_key.value}: {resolvers.formula(_key)}"

KeyArg = Annotated[IndicatorKey, strawberry.argument(description="Which indicator.")]


@strawberry.type(description="One indicator's figures: numerator ÷ denominator.")
class Indicator:
    key: IndicatorKey = strawberry.field(description="Which indicator (its formula there).")
    numerator: int = strawberry.field(
        description="What meets the indicator (for DEVELOPMENT_OVERDUE: what is overdue)."
    )
    denominator: int = strawberry.field(description="What the indicator counts over.")
    rate: float | None = strawberry.field(
        description="numerator ÷ denominator, to 4 places; null for a denominator of 0."
    )

    @classmethod
    def of(cls, figure: resolvers.Figure) -> "Indicator":
        return cls(
            key=figure.key,
            numerator=figure.numerator,
            denominator=figure.denominator,
            rate=figure.rate,
        )


@strawberry.type
class Figures:
    """Every indicator of one part of the cockpit (a scope, a child, a month)."""

    figures: strawberry.Private[list[resolvers.Figure]]

    @strawberry.field(description="Every indicator, in the order of `IndicatorKey`.")
    def indicators(self) -> list[Indicator]:
        return [Indicator.of(f) for f in self.figures]

    @strawberry.field(
        description="One indicator (a column of its own in a saved query's table, by alias)."
    )
    def indicator(self, key: KeyArg) -> Indicator:
        return Indicator.of(next(f for f in self.figures if f.key is key))


@strawberry.type(description="The indicators of one child organisation of the cockpit's root.")
class CockpitChild(Figures):
    org_pk: strawberry.Private[int]
    name: str = strawberry.field(description="The child organisation's name.")
    level: OrgLevel = strawberry.field(description="Its level.")

    @classmethod
    def of(cls, ranked: resolvers.Ranked[resolvers.Child]) -> "CockpitChild":
        k = ranked.item
        return cls(figures=k.figures, org_pk=k.org_id, name=k.name, level=k.level)

    @strawberry.field(description="The child organisation.")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.org_pk)


@strawberry.type(description="The indicators of one month of the trend.")
class CockpitMonth(Figures):
    month: str = strawberry.field(description="The month, YYYY-MM.")

    @classmethod
    def of(cls, ranked: resolvers.Ranked[resolvers.Month]) -> "CockpitMonth":
        m = ranked.item
        return cls(figures=m.figures, month=m.start.strftime("%Y-%m"))


def _window(
    info: strawberry.Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    sort: str = "",
) -> Window:
    """The window of a list built in memory; its cursors name the list and its sort."""
    span = window(info, first, after, last, before)
    return dataclasses.replace(span, field=f"{span.field}:{sort}")


@strawberry.type(
    description="The cockpit (驾驶舱) of one organisation and period: each indicator defined "
    "once, by its area (see `IndicatorKey`), within your scope of that area."
)
class Cockpit:
    c: strawberry.Private[resolvers.Cockpit]
    period_start: dt.date = strawberry.field(description="First day of the period.")
    period_end: dt.date = strawberry.field(description="Last day of the period.")

    @strawberry.field(description="The organisation the cockpit stands on.")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.c.under_id)

    @strawberry.field(
        description="Every indicator for the subtree, in the order of `IndicatorKey`."
    )
    async def indicators(self, info: strawberry.Info) -> list[Indicator]:
        figures, _ = await resolvers.figures(info.context, self.c)
        return Figures(figures=figures).indicators()

    @strawberry.field(description="One indicator for the subtree.")
    async def indicator(self, info: strawberry.Info, key: KeyArg) -> Indicator:
        figures, _ = await resolvers.figures(info.context, self.c)
        return Figures(figures=figures).indicator(key)

    @strawberry.field(
        description="Each child organisation (the next level down) with its indicators; "
        "with `sortBy`, worst first by that indicator (lowest rate, or highest for "
        "DEVELOPMENT_OVERDUE; no rate last), else in tree order."
    )
    async def by_child(
        self,
        info: strawberry.Info,
        sort_by: Annotated[
            IndicatorKey | None, strawberry.argument(description="The indicator to sort by.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CockpitChild]:
        _, kids = await resolvers.figures(info.context, self.c)
        ordered = resolvers.sort_children(kids, sort_by)
        span = _window(info, first, after, last, before, sort_by.name if sort_by else "")
        return connection(resolvers.list_page(ordered, span), CockpitChild.of)

    @strawberry.field(
        description="The 12 months ending with the period's last month, oldest first."
    )
    async def trend(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CockpitMonth]:
        months = await resolvers.trend(info.context, self.c)
        span = _window(info, first, after, last, before)
        return connection(resolvers.list_page(months, span), CockpitMonth.of)


@strawberry.type
class CockpitQuery:
    @strawberry.field(
        description="The cockpit (驾驶舱) for administrators and auditors of a city, district "
        "or street (FORBIDDEN for others); null for an organisation outside your scope."
    )
    async def cockpit(
        self,
        info: strawberry.Info,
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The organisation to stand on; your own scope's root by default."
            ),
        ] = None,
        period: PeriodArg = None,
    ) -> Cockpit | None:
        ctx = info.context
        ctx.require()
        span = parse_period(period, ctx.today)
        pk = pk_of(under, "Organization") if under is not None else None
        if under is not None and pk is None:
            return None
        found = await resolvers.open_cockpit(ctx, pk, span)
        if found is None:
            return None
        return Cockpit(c=found, period_start=span.start, period_end=span.end - dt.timedelta(days=1))
