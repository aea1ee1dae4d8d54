"""Selections compiled to Python: a sub-selection made only of plain fields, however deep (a
page's `edges { node { … } }`), becomes one generated function per distinct selection that
builds the whole result in a single pass, with no per-field calls of the executor.

The function raises on anything unusual (a null where the type forbids it, a value of the wrong
type, an exception, an awaitable); the executor then completes the same value along its general
path, which reports the error as graphql-core does. Reading attributes twice is harmless: plain
fields are attributes without resolvers.
"""

import keyword
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from graphql import GraphQLID, GraphQLObjectType, GraphQLString
from graphql.pyutils import Undefined

Builder = Callable[[Any], Any]
MAX_BUILDERS = 2048  # documents come from clients: the cache is bounded


class Bail(Exception):
    """The value needs the executor's general path."""


class Field(NamedTuple):
    """One field of a compiled selection: `__typename` (no attr), a leaf, or an object (list)
    read with the executor's checking reader, then built by `child`."""

    name: str  # response key
    attr: str | None
    read: Callable[[Any], Any] | None
    fast_str: bool  # String and ID serialize a `str` as itself
    child: "Selection | None"
    many: bool


class Selection(NamedTuple):
    """The plain fields selected on one object type, in query order (hashable: the key of its
    builder; it holds the schema objects it names, so they stay unique while cached)."""

    parent: GraphQLObjectType
    fields: tuple[Field, ...]


def passes_str(leaf: Any) -> bool:
    return leaf is GraphQLString or leaf is GraphQLID


@lru_cache(maxsize=MAX_BUILDERS)
def compiled(selection: Selection) -> Builder | None:
    """The builder of `selection` (None if it cannot be generated), made once per selection
    (the least recently used are dropped: clients' documents vary)."""
    names: dict[str, Any] = {"U": Undefined, "Bail": Bail}
    functions: list[str] = []

    def emit(sel: Selection) -> str | None:
        """The name of the function building `sel`'s dict (its children emitted too)."""
        fn = f"b{len(functions)}"
        functions.append("")
        body = [f"def {fn}(o):"]
        entries = []
        for i, f in enumerate(sel.fields):
            if f.attr is None:
                entries.append(f"{f.name!r}: {sel.parent.name!r}")
                continue
            if not f.attr.isidentifier() or keyword.iskeyword(f.attr):
                return None
            var, read = f"v{i}", f"{fn}_r{i}"
            names[read] = f.read
            body.append(f"    {var} = o.{f.attr}")
            indent = "    "
            if f.fast_str:
                body.append(f"    if {var}.__class__ is not str:")
                indent += "    "
            body += [f"{indent}{var} = {read}({var})", f"{indent}if {var} is U: raise Bail"]
            if f.child is not None:
                child = emit(f.child)
                if child is None:
                    return None
                build = f"[{child}(x) for x in {var}]" if f.many else f"{child}({var})"
                body.append(f"    if {var} is not None: {var} = {build}")
            entries.append(f"{f.name!r}: {var}")
        body.append("    return {" + ", ".join(entries) + "}")
        functions[int(fn[1:])] = "\n".join(body)
        return fn

    if emit(selection) is None:
        return None
    exec("\n\n".join(functions), names)  # generated from schema names only
    return names["b0"]
