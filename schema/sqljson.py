"""Which `members` selections the SQL compiler (`resolvers/sqljson.py`) may answer: the
document's field nodes read as picks when they are fields only, each response key once, with
no directive and no argument below the connection; anything else (fragments, a key selected
twice, `@include`) answers None and takes the general path."""

import strawberry
from graphql import FieldNode, SelectionSetNode

from resolvers.sqljson import Pick, Picks


def picks_of(selection_set: SelectionSetNode | None) -> Picks | None:
    if selection_set is None:
        return None
    out: list[Pick] = []
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            return None
        child = picks_of(node.selection_set) if node.selection_set is not None else None
        if node.selection_set is not None and child is None:
            return None
        key = node.alias.value if node.alias else node.name.value
        out.append(Pick(key, node.name.value, child))
    if len({p.key for p in out}) != len(out):
        return None
    return tuple(out)


def connection_picks(info: strawberry.Info) -> Picks | None:
    """The picks of the connection field being resolved, if the compiler may see them."""
    nodes = info._raw_info.field_nodes
    if len(nodes) != 1 or nodes[0].directives:
        return None
    return picks_of(nodes[0].selection_set)
