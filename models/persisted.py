"""Automatic persisted queries registered by clients, shared by every API process."""

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PersistedQuery(Base):
    """A document a client registered under its SHA-256 (Apollo's protocol), once it validated;
    any process can then run it by hash."""

    __tablename__ = "persisted_query"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime]
