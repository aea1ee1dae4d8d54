"""The caller's own account: grants shown as breadcrumbs of their scope orgs."""

from sqlalchemy import Row

from authz.principal import Grant
from resolvers.context import Context
from resolvers.org import breadcrumbs


async def grant_scopes(ctx: Context) -> list[tuple[Grant, Row]]:
    """Each grant of the caller with its scope org (id, name, level)."""
    grants = ctx.require().grants
    crumbs = {r.id: r for r in await breadcrumbs(ctx, [g.org_id for g in grants])}
    return [(g, crumbs[g.org_id]) for g in grants if g.org_id in crumbs]
