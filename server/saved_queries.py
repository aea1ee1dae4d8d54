"""Saved queries: `queries/<area>/<name>.graphql`, one named operation each, validated at
start-up against the schema (README, "Saved queries")."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import strawberry
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    OperationDefinitionNode,
    VariableDefinitionNode,
    get_named_type,
    parse,
    print_ast,
    type_from_ast,
    validate,
)

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
SCOPE_VARIABLES = {"under", "community", "employer", "org", "organization"}


class SavedQueryError(ValueError):
    """A saved query that cannot be served: the message names the file and the problem."""


@dataclass(frozen=True)
class Variable:
    name: str
    type: str  # as written, e.g. `[MemberStatus!]`
    default: str | None
    base: str  # the named type, e.g. `MemberStatus`
    is_list: bool
    is_input_object: bool

    @property
    def scope_typed(self) -> bool:
        """An organisation ID that defaults to the caller's own scope root."""
        return self.name in SCOPE_VARIABLES and self.type.rstrip("!") == "ID"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    area: str
    description: str
    document: str
    variables: tuple[Variable, ...]

    @property
    def sha256(self) -> str:
        return sha256(self.document)

    def catalogue_entry(self) -> dict:
        return {
            "name": self.name,
            "area": self.area,
            "description": self.description,
            "sha256": self.sha256,
            "variables": [
                {
                    "name": v.name,
                    "type": v.type,
                    "default": v.default,
                    "scopeDefault": v.scope_typed,
                }
                for v in self.variables
            ],
        }


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("# $"):  # `# $name:` notes a variable
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines).strip()


def load_file(path: Path, schema: strawberry.Schema) -> SavedQuery:
    where = f"{path.parent.name}/{path.name}"
    text = path.read_text(encoding="utf-8")
    try:
        document = parse(text)
    except GraphQLError as e:
        raise SavedQueryError(f"saved query {where}: {e.message}") from None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(ops) != 1 or ops[0].name is None:
        raise SavedQueryError(f"saved query {where}: must hold exactly one named operation")
    if ops[0].name.value != path.stem:
        raise SavedQueryError(
            f"saved query {where}: the operation is named "
            f"{ops[0].name.value!r}, the file {path.stem!r}"
        )
    errors = validate(schema._schema, document)
    if errors:
        raise SavedQueryError(f"saved query {where}: {errors[0].message}")
    description = _description(text)
    if not description:
        raise SavedQueryError(f"saved query {where}: start it with a `#` comment describing it")
    variables = tuple(_variable(v, schema) for v in ops[0].variable_definitions or ())
    return SavedQuery(path.stem, path.parent.name, description, text, variables)


def _variable(definition: VariableDefinitionNode, schema: strawberry.Schema) -> Variable:
    gtype = type_from_ast(schema._schema, definition.type)
    if gtype is None:  # validation refuses such a document first
        raise ValueError(f"${definition.variable.name.value} has an unknown type")
    named = get_named_type(gtype)
    return Variable(
        name=definition.variable.name.value,
        type=print_ast(definition.type),
        default=print_ast(definition.default_value) if definition.default_value else None,
        base=named.name,
        is_list=isinstance(
            gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype, GraphQLList
        ),
        is_input_object=isinstance(named, GraphQLInputObjectType),
    )


class Registry:
    """Every saved query by name (by hash: `server/trusted.py`)."""

    def __init__(self, queries: list[SavedQuery]) -> None:
        self.by_name = {q.name: q for q in queries}
        if len(self.by_name) != len(queries):
            raise SavedQueryError("two saved queries share a name")

    @classmethod
    def load(cls, schema: strawberry.Schema, root: Path = QUERIES_DIR) -> "Registry":
        """All of `root`; raises SavedQueryError on the first invalid file."""
        return cls([load_file(p, schema) for p in sorted(root.glob("*/*.graphql"))])
