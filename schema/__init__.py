"""The GraphQL schema (strawberry): thin types whose fields delegate to `resolvers`."""

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from engine.codes import ErrorCodes
from engine.executor import Executor
from engine.protections import protections
from resolvers.pagination import DEFAULT_FIRST
from schema import enums as _enums  # noqa: F401  (registers the GraphQL enums)
from schema.errors import RuleViolations, Schema
from schema.query import Mutation, Query
from schema.scalars import SCALARS


def build_schema(*, production: bool = False, compiled: bool = True) -> strawberry.Schema:
    """The schema; production disables introspection, `compiled=False` runs strawberry's stock
    executor instead of `engine.executor`. Field suggestions are always off."""
    extensions = [
        ErrorCodes,
        *protections(DEFAULT_FIRST),
        RuleViolations,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALARS),
        execution_context_class=Executor if compiled else None,
    )
