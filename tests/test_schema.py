"""The schema as a product: exported SDL in sync, every type and field described."""

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema import build_schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_exported_sdl_is_current() -> None:
    expected = build_schema().as_str() + "\n"
    assert SDL.read_text(encoding="utf-8") == expected, (
        "schema.graphql is stale: run `dangjian export-schema`"
    )


def test_every_type_field_and_argument_is_described() -> None:
    schema = build_schema()._schema
    missing = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Boolean", "ID", "Float"):
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for fname, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{fname}")
                missing += [
                    f"{name}.{fname}({a})"
                    for a, arg in getattr(field, "args", {}).items()
                    if not arg.description
                ]
        if isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
    assert missing == []
