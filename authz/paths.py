"""Materialised-path arithmetic (`/1/17/233/`, root first, trailing slash)."""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, or_

from models.base import Column


def make_path(parent_path: str | None, org_id: int) -> str:
    """The path of an org whose parent has `parent_path` (None for a root)."""
    return f"{parent_path or '/'}{org_id}/"


def upper_bound(path: str) -> str:
    """Exclusive upper bound of the subtree range: the final `/` replaced by `0`."""
    return path[:-1] + "0"


def ancestors_or_self(path: str) -> list[str]:
    """Every prefix path of `path`, root first, `path` itself last."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def parent_path(path: str) -> str | None:
    """The path of the org above the one at `path` (None for a root)."""
    above = ancestors_or_self(path)[:-1]
    return above[-1] if above else None


def path_ids(path: str) -> list[int]:
    """The org ids along a path, root first."""
    return [int(p) for p in path.strip("/").split("/")]


def outermost(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths nested inside another path of the set; sorted, deduplicated."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return tuple(kept)


def subtree(column: Column[str], path: str) -> ColumnElement[bool]:
    """`column` lies in the subtree at `path`, as an index-friendly range (never LIKE)."""
    return and_(column >= path, column < upper_bound(path))


def any_subtree(column: Column[str], paths: Iterable[str]) -> ColumnElement[bool]:
    """OR of subtree ranges."""
    return or_(*(subtree(column, p) for p in paths))
