"""Errors as the caller and the operator see them: a domain rule's refusal on a read (a
malformed period, a step that does not exist) reaches the caller as BAD_USER_INPUT with the
rule's message (writes map it in the write template), a statement past the timeout as
TIMEOUT; only internal errors are logged with a traceback."""

import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError, located_error
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from domain.errors import RuleViolation
from resolvers.errors import BadUserInput, Timeout, is_timeout

TIMED_OUT = "a database statement ran past the time limit: ask for less (smaller pages, "
TIMED_OUT += "a narrower period or subtree)"


def as_client_error(error: GraphQLError, timed_out: bool) -> GraphQLError:
    """A rule's refusal as BAD_USER_INPUT; once a statement of the request has timed out,
    every database failure as TIMEOUT (on PostgreSQL the statements after it fail too, in
    the aborted transaction)."""
    original = error.original_error
    if isinstance(original, RuleViolation):
        return located_error(BadUserInput(str(original)), error.nodes, error.path)
    if timed_out and isinstance(original, DBAPIError):
        return located_error(Timeout(TIMED_OUT), error.nodes, error.path)
    return error


class RuleViolations(SchemaExtension):
    """Runs inside the masking of internal errors, which then lets these through."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            timed_out = any(is_timeout(e.original_error) for e in result.errors)
            result.errors = [as_client_error(e, timed_out) for e in result.errors]


log = logging.getLogger("dangjian.errors")


class Schema(strawberry.Schema):
    """strawberry's schema, logging only what went wrong inside. A client error (bad input,
    refused, unauthenticated) is the caller's: its code is on the request's log line, and a
    traceback would only bury the real failures."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        ctx = execution_context.context if execution_context is not None else None
        timed_out = any(is_timeout(e.original_error) for e in errors)
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, GraphQLError | RuleViolation):
                continue
            fields = {
                "request_id": getattr(ctx, "request_id", None),
                "path": ".".join(str(p) for p in error.path or ()),
            }
            if timed_out and isinstance(original, DBAPIError):  # capacity, not a bug: no traceback
                log.warning("statement timeout", extra={"fields": fields})
                continue
            log.error(
                "internal error",
                exc_info=(type(original), original, original.__traceback__),
                extra={"fields": fields},
            )
