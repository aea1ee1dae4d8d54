"""Opaque Relay global IDs: base64 of `Type:pk`."""

import base64
import binascii
import json
import re

from resolvers.errors import BadUserInput

MAX_ID = 2**31 - 1  # primary keys are PostgreSQL `integer`s: past this no row exists
DIGITS = re.compile(r"[0-9]+")


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(gid: str) -> tuple[str, int]:
    """(type name, primary key); malformed ids are the caller's error (quoted as JSON)."""
    shown = json.dumps(gid[:40], ensure_ascii=False)
    try:
        type_name, _, raw = base64.b64decode(gid, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"malformed id {shown}") from None
    if not type_name or not DIGITS.fullmatch(raw):
        raise BadUserInput(f"malformed id {shown}")
    if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        raise BadUserInput(f"id {shown} is out of range (at most {MAX_ID})")
    return type_name, int(raw)


# A breadcrumb's id names its organisation wherever an organisation is asked for: clients
# passed breadcrumb ids there while they were the organisation's own.
NAMING = {"Organization": ("Organization", "Breadcrumb")}


def pk_of(gid: str, type_name: str) -> int | None:
    """The primary key when `gid` names a `type_name`, else None (treated as missing)."""
    kind, pk = from_global_id(gid)
    return pk if kind in NAMING.get(type_name, (type_name,)) else None
