"""A code on every error a document can meet before execution (Apollo's names): the parse
(GRAPHQL_PARSE_FAILED), validation (GRAPHQL_VALIDATION_FAILED), the variables
(BAD_USER_INPUT), and which operation to run (BAD_REQUEST). An error that has a code keeps it.

graphql-core quotes the values a client sent through `inspect`, in Python's notation
(`found: {'approve': True}`); a client wrote JSON, so the values it sent are quoted back as
JSON (`found: {"approve": true}`).
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.pyutils import inspect
from strawberry.extensions import SchemaExtension

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"
MAX_LITERAL = 240  # characters of a quoted value, as graphql-core cuts its own
NAME_REQUIRED = "Must provide operation name if query contains multiple operations."


def with_code(errors: list[GraphQLError] | None, code: str) -> None:
    """`code` on each error that has none."""
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}


def literal(value: Any) -> str:
    """A value as JSON text, cut to MAX_LITERAL characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_LITERAL else text[: MAX_LITERAL - 1] + "…"


def parts(value: Any) -> Iterator[Any]:
    """The value and every value inside it."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from parts(item)
    elif isinstance(value, list):
        for item in value:
            yield from parts(item)


def as_json(message: str, variables: dict[str, Any]) -> str:
    """`message` with every value of `variables` that it quotes in Python's notation quoted
    as JSON instead (the largest first, so that a dict is replaced whole)."""
    quoted = {inspect(v): literal(v) for v in parts(list(variables.values()))}
    for python in sorted((p for p, j in quoted.items() if p != j), key=len, reverse=True):
        message = re.sub(rf"(?<![\w'\"]){re.escape(python)}(?![\w'\"])", quoted[python], message)
    return message


def provided_operation_name(execution_context: Any) -> str | None:
    """The `operationName` the request gave: strawberry's `operation_name` falls back to the
    first operation's (hence the private attribute, within the pinned strawberry range)."""
    return getattr(execution_context, "_provided_operation_name", None)


class ErrorCodes(SchemaExtension):
    """Gives the errors of each stage before execution their code (listed first, so that the
    other extensions see a request refused for its operation name as refused)."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLSyntaxError as error:
            # the parser cache parses in its hook, whose error leaves the whole operation
            with_code([error], PARSE_FAILED)
            raise

    def on_validate(self) -> Iterator[None]:
        yield
        with_code(self.execution_context.pre_execution_errors, VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.result is None and provided_operation_name(ctx) is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                error = GraphQLError(NAME_REQUIRED, extensions={"code": BAD_REQUEST})
                ctx.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
        result = ctx.result
        if result is None or result.data is not None or not result.errors:
            return
        # no data and errors at no path: graphql-core refused the variables before any field
        refused = [e for e in result.errors if e.path is None]
        for error in refused:
            if ctx.variables:
                error.message = as_json(error.message, ctx.variables)
        with_code(refused, BAD_USER_INPUT)
