"""The tables of a saved query, read from its document with the schema: each connection's
columns (the leaves under `edges.node`) and the summary (every leaf outside the connections'
edges, their `totalCount` among them). Known before any row exists, so an empty export still
has its header, and each column's GraphQL type says how to write its cells.

A comment after a leaf field, on its line, is the column's Chinese label (`?labels=zh`);
`# $name (format): text` lines in the leading comment describe variables."""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TokenKind,
    get_named_type,
    is_leaf_type,
    parse,
)

from server.saved_queries import SavedQuery, SavedQueryError

VARIABLE_NOTE = re.compile(r"^#\s*\$(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.+)$")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Column:
    name: str  # the response keys from the table's root, dotted: `member.phone`
    type: GraphQLNamedType  # a scalar or an enum
    description: str | None  # the field's, from the schema
    label: str | None  # the Chinese header, from the comment after the field
    is_list: bool  # a list on the way: the values are joined

    def pick(self, row: Any) -> Any:
        """This column's value in `row` (a node, or the data for the summary): a list of
        values where a list lies on the way."""
        values = [row]
        for key in self.name.split("."):
            step: list[Any] = []
            for value in values:
                item = value.get(key) if isinstance(value, dict) else None
                step.extend(item if isinstance(item, list) else [item])
            values = step
        return values if self.is_list else values[0]

    def entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.name,
            "label": self.label,
            "description": self.description,
        }


@dataclass(frozen=True)
class Connection:
    path: str  # response keys from the data root: `organization.checkIns`
    columns: tuple[Column, ...]
    first: str | None  # the variables feeding its `first` and `after`
    after: str | None

    def find(self, data: Any) -> dict | None:
        for key in self.path.split("."):
            data = data.get(key) if isinstance(data, dict) else None
        return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Layout:
    connections: tuple[Connection, ...]
    summary: tuple[Column, ...]

    def connection(self, path: str | None) -> Connection | None:
        """The connection at `path`; the first of the document when none is named."""
        if path is None:
            return self.connections[0] if self.connections else None
        return next((c for c in self.connections if c.path == path), None)


@dataclass(frozen=True)
class VariableNote:
    format: str | None
    description: str


def variable_notes(saved: SavedQuery) -> dict[str, VariableNote]:
    """The `# $name (format): text` lines of the leading comment."""
    notes = {}
    for line in saved.document.splitlines():
        if not line.startswith("#"):
            break
        match = VARIABLE_NOTE.match(line)
        if match:
            notes[match[1]] = VariableNote(match[2], match[3].strip())
    unknown = set(notes) - {v.name for v in saved.variables}
    if unknown:
        raise SavedQueryError(f"saved query {saved.name}: no variable ${min(unknown)}")
    return notes


def layout(saved: SavedQuery, schema: strawberry.Schema) -> Layout:
    document = parse(saved.document)
    walk = _Walk(schema, document)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    query_type = schema._schema.query_type
    assert query_type is not None  # a schema with saved queries has a Query type
    fields = _fields(operation.selection_set, walk.fragments)
    summary = tuple(walk.leaves(fields, query_type, "", inside_node=False))
    return Layout(tuple(walk.connections), summary)


def _label(field: FieldNode) -> str | None:
    end = field.loc.end_token if field.loc else None
    after = end.next if end else None
    if end and after and after.kind == TokenKind.COMMENT and after.line == end.line:
        return (after.value or "").strip() or None
    return None


def _unwrap(gtype: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(gtype, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(gtype, GraphQLList)
        gtype = gtype.of_type
    return get_named_type(gtype), is_list


def _argument_variable(field: FieldNode, name: str) -> str | None:
    for argument in field.arguments or ():
        if argument.name.value == name and argument.value.kind == "variable":
            return argument.value.name.value  # type: ignore[attr-defined]
    return None


def _edges_node(field: FieldNode, fragments: dict[str, FragmentDefinitionNode]) -> FieldNode | None:
    """`edges { node { … } }` in a connection's selection."""
    for edges in _fields(field.selection_set, fragments):
        if edges.name.value == "edges":
            nodes = _fields(edges.selection_set, fragments)
            return next((n for n in nodes if n.name.value == "node"), None)
    return None


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields of a selection, fragments spread in place."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def _field_type(parent: GraphQLNamedType, name: str) -> GraphQLField:
    assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)  # validated before
    return parent.fields[name]


class _Walk:
    def __init__(self, schema: strawberry.Schema, document: DocumentNode) -> None:
        self.typename = schema._schema.type_map["String"]
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.connections: list[Connection] = []

    def leaves(
        self,
        fields: Iterable[FieldNode],
        parent: GraphQLNamedType,
        prefix: str,
        *,
        inside_node: bool,
        in_list: bool = False,
    ) -> Iterator[Column]:
        """The leaf columns of `fields`; outside a node, each connection's rows become a
        Connection of their own and only its other leaves (`totalCount`) stay."""
        for field in fields:
            name = prefix + (field.alias or field.name).value
            if field.name.value == "__typename":
                yield Column(name, self.typename, None, _label(field), in_list)
                continue
            definition = _field_type(parent, field.name.value)
            named, is_list = _unwrap(definition.type)
            is_list = in_list or is_list
            if is_leaf_type(named):
                yield Column(name, named, definition.description, _label(field), is_list)
                continue
            inner = list(_fields(field.selection_set, self.fragments))
            node = None if inside_node else _edges_node(field, self.fragments)
            if node is None:
                yield from self.leaves(
                    inner, named, name + ".", inside_node=inside_node, in_list=is_list
                )
                continue
            edge = get_named_type(_field_type(named, "edges").type)
            node_type = get_named_type(_field_type(edge, "node").type)
            columns = self.leaves(
                _fields(node.selection_set, self.fragments), node_type, "", inside_node=True
            )
            self.connections.append(
                Connection(
                    name,
                    tuple(columns),
                    _argument_variable(field, "first"),
                    _argument_variable(field, "after"),
                )
            )
            rest = [f for f in inner if f.name.value not in ("edges", "pageInfo")]
            yield from self.leaves(rest, named, name + ".", inside_node=False)


def enum_label(gtype: GraphQLEnumType, name: str) -> str:
    """The Chinese term of an enum value: its description in the schema when that is
    Chinese, else its name."""
    value = gtype.values.get(name)
    description = value.description if value else None
    return description if description and CJK.search(description) else name
