"""Opaque Relay global IDs: base64 of `Type:pk`."""

import base64
import binascii
import re

from resolvers.errors import BadUserInput

MAX_ID = 2**31 - 1  # primary keys are PostgreSQL `integer`s: past this no row exists
DIGITS = re.compile(r"[0-9]+")


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(gid: str) -> tuple[str, int]:
    """(type name, primary key); malformed ids are the caller's error."""
    try:
        type_name, _, raw = base64.b64decode(gid, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"malformed id {gid[:40]!r}") from None
    if not type_name or not DIGITS.fullmatch(raw):
        raise BadUserInput(f"malformed id {gid[:40]!r}")
    if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        raise BadUserInput(f"id {gid[:40]!r} is out of range (at most {MAX_ID})")
    return type_name, int(raw)


def pk_of(gid: str, type_name: str) -> int | None:
    """The primary key when `gid` names a `type_name`, else None (treated as missing)."""
    kind, pk = from_global_id(gid)
    return pk if kind == type_name else None
