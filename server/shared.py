"""What every API process must see alike — persisted-query registrations and rate-limit
counters — kept where they all look: the database they share, or Redis when
`DANGJIAN_REDIS_URL` is set. Never in one process's memory: behind a load balancer the next
request of a client may reach another process, on another host."""

import datetime as dt
from typing import Protocol

import redis.asyncio as aioredis
from sqlalchemy import bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import PersistedQuery, RateWindow

MAX_PER_ACCOUNT = 500  # registrations an account may hold: past it a document runs unregistered
WINDOW_SECONDS = 60


class Shared(Protocol):
    async def document(self, account: int, digest: str) -> str | None:
        """The document `account` registered under `digest`, if any."""
        ...

    async def register(self, account: int, digest: str, document: str, at: dt.datetime) -> bool:
        """Store a registration; False when the account's quota is full or it is there."""
        ...

    async def hit(self, caller: str, minute: int, slots: int) -> int:
        """Take `slots` more of `caller`'s budget for `minute`; the slots taken so far."""
        ...

    async def close(self) -> None: ...


class DatabaseShared:
    """In the API's own database, in transactions of their own (apart from the request's)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        insert = postgresql.insert if self.postgres else sqlite.insert
        stmt = insert(RateWindow).values(
            caller=bindparam("caller"), minute=bindparam("minute"), hits=bindparam("slots")
        )
        self.upsert = stmt.on_conflict_do_update(
            index_elements=[RateWindow.caller, RateWindow.minute],
            set_={"hits": RateWindow.hits + bindparam("slots")},
        ).returning(RateWindow.hits)

    async def document(self, account: int, digest: str) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.scalar(
                select(PersistedQuery.document).where(
                    PersistedQuery.account_id == account, PersistedQuery.hash == digest
                )
            )

    async def register(self, account: int, digest: str, document: str, at: dt.datetime) -> bool:
        held = select(func.count()).where(PersistedQuery.account_id == account)
        try:
            async with self.engine.begin() as conn:
                if (await conn.scalar(held) or 0) >= MAX_PER_ACCOUNT:
                    return False
                await conn.execute(
                    insert(PersistedQuery).values(
                        account_id=account, hash=digest, document=document, registered_at=at
                    )
                )
        except IntegrityError:  # registered meanwhile, by this process or another
            return False
        return True

    async def hit(self, caller: str, minute: int, slots: int) -> int:
        values = {"caller": caller, "minute": minute, "slots": slots}
        async with self.engine.begin() as conn:
            if self.postgres:  # a counter lost in a crash costs nothing: skip the WAL flush
                await conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
            hits = int(await conn.scalar(self.upsert, values) or 0)
            if hits == slots:  # a new minute for this caller: past minutes are of no more use
                await conn.execute(delete(RateWindow).where(RateWindow.minute < minute - 1))
        return hits

    async def close(self) -> None:
        """The engine belongs to the app, which disposes of it."""


class RedisShared:
    """In Redis: a hash of registrations per account, a counter per caller and minute that
    expires on its own."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.from_url(url, decode_responses=True)

    async def document(self, account: int, digest: str) -> str | None:
        found = await self.redis.hget(f"dangjian:pq:{account}", digest)
        return str(found) if found is not None else None

    async def register(self, account: int, digest: str, document: str, at: dt.datetime) -> bool:
        key = f"dangjian:pq:{account}"
        if await self.redis.hlen(key) >= MAX_PER_ACCOUNT:
            return False
        return bool(await self.redis.hsetnx(key, digest, document))

    async def hit(self, caller: str, minute: int, slots: int) -> int:
        key = f"dangjian:rate:{caller}:{minute}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, slots)
            pipe.expire(key, 2 * WINDOW_SECONDS)
            hits, _ = await pipe.execute()
        return int(hits)

    async def close(self) -> None:
        await self.redis.aclose()


def shared_state(engine: AsyncEngine, redis_url: str | None) -> Shared:
    return RedisShared(redis_url) if redis_url else DatabaseShared(engine)
