"""A domain rule's refusal on a read (a malformed period, a step that does not exist) reaches
the caller as BAD_USER_INPUT with the rule's message; writes map it in the write template."""

from collections.abc import Iterator

from graphql import GraphQLError, located_error
from strawberry.extensions import SchemaExtension

from domain.errors import RuleViolation
from resolvers.errors import BadUserInput


def as_client_error(error: GraphQLError) -> GraphQLError:
    if isinstance(error.original_error, RuleViolation):
        return located_error(BadUserInput(str(error.original_error)), error.nodes, error.path)
    return error


class RuleViolations(SchemaExtension):
    """Runs inside the masking of internal errors, which then lets these through."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [as_client_error(e) for e in result.errors]
