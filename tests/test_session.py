"""The request session: column reads on its connection, entities and writes through the ORM."""

from pathlib import Path

from sqlalchemy import func, select, union_all

from models import Organization, OrgLevel, OrgType
from server.db import Session, column_read, make_engine, upgrade


def test_column_read_tells_rows_from_entities() -> None:
    assert column_read(select(Organization.id, Organization.name))
    assert column_read(select(func.count()))
    assert column_read(select(Organization.id, func.count()).group_by(Organization.id))
    assert column_read(union_all(select(Organization.id), select(Organization.parent_id)))
    assert not column_read(select(Organization))
    assert not column_read(union_all(select(Organization.id), select(Organization)))


async def test_reads_see_pending_changes_and_entities_stay_orm(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/s.db")
    await upgrade(engine)
    try:
        async with Session(engine) as session:
            root = Organization(
                code="500000", name="中共重庆市委", level=OrgLevel.CITY,
                org_type=OrgType.ORGAN, path="/1/", depth=0,
            )  # fmt: skip
            session.add(root)
            names = (await session.execute(select(Organization.name))).all()
            assert [tuple(r) for r in names] == [("中共重庆市委",)]  # autoflushed first
            assert await session.scalar(select(func.count()).select_from(Organization)) == 1
            found = (await session.execute(select(Organization))).scalar_one()
            assert found is root  # the ORM path: the identity map's object
            await session.rollback()
        async with Session(engine) as session:
            assert await session.scalar(select(func.count()).select_from(Organization)) == 0
    finally:
        await engine.dispose()
