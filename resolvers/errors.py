"""Client errors: their message and `extensions.code` reach the caller; all else is masked."""

import sqlite3

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE of a statement past statement_timeout


class ClientError(GraphQLError):
    """An error the caller caused and may see."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class BadUserInput(ClientError):
    code = "BAD_USER_INPUT"


def required(value: str, name: str) -> str:
    """`value` trimmed; blank is BAD_USER_INPUT naming the input field."""
    text = value.strip()
    if not text:
        raise BadUserInput(f"{name} must not be empty")
    return text


class Unauthenticated(ClientError):
    code = "UNAUTHENTICATED"


class Forbidden(ClientError):
    code = "FORBIDDEN"


class NotFound(ClientError):
    code = "NOT_FOUND"


class Conflict(ClientError):
    """A stale version or a concurrent change: reload and try again."""

    code = "CONFLICT"


class Timeout(ClientError):
    """A statement ran past DANGJIAN_STATEMENT_TIMEOUT_MS: the caller should ask for less."""

    code = "TIMEOUT"


def is_timeout(error: BaseException | None) -> bool:
    """A statement cancelled for running past the timeout: PostgreSQL's query_canceled, or
    the interrupt of the SQLite progress handler (`server.db.sqlite_deadlines`)."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    return getattr(orig, "sqlstate", None) == QUERY_CANCELED or (
        isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"
    )
