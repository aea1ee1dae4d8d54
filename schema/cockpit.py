"""The cockpit (驾驶舱) of the digital operation and governance centre: every indicator for
a scope and a period, by child organisation, and as a 12-month trend."""

import datetime as dt
from typing import Annotated

import strawberry

from domain.calendar import parse_period
from models import OrgLevel
from resolvers import cockpit as resolvers
from resolvers.cockpit import IndicatorKey
from resolvers.ids import pk_of
from schema.shared import OrganizationRef, PeriodArg, org_by_id

strawberry.enum(
    IndicatorKey,
    description="An indicator of the cockpit (驾驶舱); each value's description is its formula.",
)
for _value in IndicatorKey.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _key = IndicatorKey[_value.name]
    _value.description = f"{_key.value}: {resolvers.formula(_key)}"


@strawberry.type(description="One indicator's figures: numerator ÷ denominator.")
class Indicator:
    key: IndicatorKey = strawberry.field(description="Which indicator (its formula there).")
    numerator: int | None = strawberry.field(
        description="What meets the indicator (null while its source is not registered)."
    )
    denominator: int | None = strawberry.field(
        description="What the indicator counts over (null while not registered)."
    )
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


@strawberry.type(description="The indicators of one child organisation of the cockpit's root.")
class CockpitChild:
    org_pk: strawberry.Private[int]
    name: str = strawberry.field(description="The child organisation's name.")
    level: OrgLevel = strawberry.field(description="Its level.")
    indicators: list[Indicator] = strawberry.field(
        description="Every indicator for its subtree, in the order of `IndicatorKey`."
    )

    @strawberry.field(description="The child organisation.")
    async def organization(self, info: strawberry.Info) -> OrganizationRef | None:
        return await org_by_id(info.context, self.org_pk)


@strawberry.type(description="The indicators of one month of the trend.")
class CockpitMonth:
    month: str = strawberry.field(description="The month, YYYY-MM.")
    indicators: list[Indicator] = strawberry.field(
        description="Every indicator for that month, in the order of `IndicatorKey`."
    )


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
        return [Indicator.of(f) for f in figures]

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
    ) -> list[CockpitChild]:
        _, kids = await resolvers.figures(info.context, self.c)
        return [
            CockpitChild(
                org_pk=k.org_id,
                name=k.name,
                level=k.level,
                indicators=[Indicator.of(f) for f in k.figures],
            )
            for k in resolvers.sort_children(kids, sort_by)
        ]

    @strawberry.field(
        description="The 12 months ending with the period's last month, oldest first."
    )
    async def trend(self, info: strawberry.Info) -> list[CockpitMonth]:
        months = await resolvers.trend(info.context, self.c)
        return [
            CockpitMonth(
                month=m.start.strftime("%Y-%m"), indicators=[Indicator.of(f) for f in m.figures]
            )
            for m in months
        ]


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
