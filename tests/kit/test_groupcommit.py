"""Group commit: units share a transaction, a failing unit rolls back alone and its
after-commit hooks never run, and every caller learns its own outcome."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.db import Database, after_commit
from kefu.kit.groupcommit import GroupCommit
from kefu.models import Group


class TestGroupCommit:
    async def test_a_failing_unit_rolls_back_alone_and_its_hooks_are_dropped(self, db: Database) -> None:
        gc = GroupCommit(db)
        fired: list[str] = []

        def unit(name: str, fail: bool = False):  # type: ignore[no-untyped-def]
            async def work(session: AsyncSession) -> str:
                session.add(Group(name=name))
                await session.flush()

                async def hook() -> None:
                    fired.append(name)

                after_commit(session, hook)
                if fail:
                    raise ValueError(f"{name} refused")
                return name

            return work

        results = await asyncio.gather(
            gc.run(unit("一组")),
            gc.run(unit("坏组", fail=True)),
            gc.run(unit("二组")),
            return_exceptions=True,
        )
        await gc.close()
        assert results[0] == "一组" and results[2] == "二组"
        assert isinstance(results[1], ValueError)
        async with db.transaction() as session:
            names = set((await session.execute(sa.select(Group.name))).scalars())
        assert names == {"一组", "二组"}
        assert sorted(fired) == ["一组", "二组"]

    async def test_many_concurrent_units_all_commit(self, db: Database) -> None:
        gc = GroupCommit(db)

        def unit(i: int):  # type: ignore[no-untyped-def]
            async def work(session: AsyncSession) -> int:
                session.add(Group(name=f"组{i}"))
                return i

            return work

        assert await asyncio.gather(*(gc.run(unit(i)) for i in range(200))) == list(range(200))
        await gc.close()
        async with db.transaction() as session:
            assert (await session.execute(sa.select(sa.func.count()).select_from(Group))).scalar_one() == 200

    async def test_a_unit_breaking_a_constraint_fails_alone(self, db: Database) -> None:
        gc = GroupCommit(db)

        async def duplicate(session: AsyncSession) -> None:
            session.add(Group(name="同名"))

        # The second breaks the unique name when flushed: only its caller hears of it.
        first, second = await asyncio.gather(gc.run(duplicate), gc.run(duplicate), return_exceptions=True)
        await gc.close()
        assert first is None
        assert isinstance(second, sa.exc.IntegrityError)
        async with db.transaction() as session:
            assert (await session.execute(sa.select(Group.name))).scalars().all() == ["同名"]
