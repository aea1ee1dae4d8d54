"""Relay conventions: the Node interface, connections, edges and page info."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from resolvers.pagination import Page, Window

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description="The first N items (after `after`): at most 100; 20 when neither "
        "`first` nor `last` is given."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Continue after this cursor (a previous page's `pageInfo.endCursor`)."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="The last N items (before `before`), at most 100; not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="Continue before this cursor (a page's `pageInfo.startCursor`), "
        "paging backward."
    ),
]
Under = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="Only within the subtree of this organisation (intersected with your scope)."
    ),
]
Subtree = Annotated[
    bool,
    strawberry.argument(description="Include everything below the organisation, not only itself."),
]


@strawberry.interface(description="An object with an opaque, globally unique ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID; use with `node(id)`.")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page: counted for `first`; with `before`, the "
        "items from that cursor on."
    )
    has_previous_page: bool = strawberry.field(
        description="Items precede this page: counted for `last`; with `after`, the items "
        "up to that cursor."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; pass it as `before` for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    item: strawberry.Private[Any]
    page: strawberry.Private[Page[Any]]

    @strawberry.field(
        description="Opaque keyset cursor of this item, valid in this list and order only."
    )
    def cursor(self) -> str:
        return self.page.cursor(self.item)


@strawberry.type(
    description="A page of a list (Relay): the `first` items after a cursor or the `last` "
    "before one (default 20, at most 100)."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging position.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole list (all pages), in your scope.")
    async def total_count(self) -> int:
        return await self.count()


def window(
    info: strawberry.Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Window:
    """The window a connection field asks for, its cursors bound to this field
    (`Organization.members`)."""
    return Window(f"{info.path.typename}.{info.field_name}", first, after, last, before)


def connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    """A connection of converted page items."""
    edges = [Edge(node=convert(item), item=item, page=page) for item in page.items]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursor(page.items[0]) if page.items else None,
        end_cursor=page.cursor(page.items[-1]) if page.items else None,
    )
    return Connection(edges=edges, page_info=info, count=page.count)


def node_fields(info: strawberry.Info) -> frozenset[str]:
    """The names of the fields selected on `edges { node }` of the connection being resolved,
    through fragments and every field node merged into it (whatever their type condition: a
    superset is safe)."""
    names: set[str] = set()

    def fields(selections: list[Selection]) -> list[SelectedField]:
        out: list[SelectedField] = []
        for sel in selections:
            if isinstance(sel, SelectedField):
                out.append(sel)
            else:  # a fragment spread or an inline fragment
                out += fields(sel.selections)
        return out

    # one field node per selection of this response key (`members` in two fragments: both)
    for edges in fields([s for field in info.selected_fields for s in field.selections]):
        if edges.name == "edges":
            for node in fields(edges.selections):
                if node.name == "node":
                    names.update(f.name for f in fields(node.selections))
    return frozenset(names)
