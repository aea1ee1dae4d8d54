"""Client errors: their message and `extensions.code` reach the caller; all else is masked."""

from graphql import GraphQLError


class ClientError(GraphQLError):
    """An error the caller caused and may see."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class BadUserInput(ClientError):
    code = "BAD_USER_INPUT"


class Unauthenticated(ClientError):
    code = "UNAUTHENTICATED"


class Forbidden(ClientError):
    code = "FORBIDDEN"


class NotFound(ClientError):
    code = "NOT_FOUND"


class Conflict(ClientError):
    """A stale version or a concurrent change: reload and try again."""

    code = "CONFLICT"
