"""Automatic persisted queries registered by clients, shared by every API process."""

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PersistedQuery(Base):
    """A document an account registered under its SHA-256 (Apollo's protocol), once it
    validated; any process can then run it by hash for that account. Registrations are per
    account so that no caller learns what another ran, nor crowds out another's entries."""

    __tablename__ = "persisted_query"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime]
