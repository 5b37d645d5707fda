"""One reusable test base for admin objects on the CRUD layer (after netbox's ViewTestCases).

A subclass names the object's address, its permission and a few forms; it gets the same
tests as every other admin object, on SQLite and PostgreSQL: the list in words (no codes,
no dicts), create with a confirmation, validation next to the field, edit, a confirm step
before delete/deactivate, refusal for roles the role × action table does not allow, and
refusal without the CSRF token.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import ROLE_PERMS, Perm
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# What must never reach a Chinese admin page: dicts, JSON, escaped unicode.
RAW = [re.compile(r"\{'"), re.compile(r'\{"'), re.compile(r"\\u[0-9a-f]{4}"), re.compile(r"\[\{")]


async def login(client: httpx.AsyncClient, db: Database, role: Role) -> None:
    email = f"{role.value}-{id(client)}@example.com"
    async with db.transaction() as s:
        await make_user(s, email=email, role=role, name=f"{role.value}用户")
    client.cookies.clear()  # a fresh sign-in, also after another role's
    page = await client.get("/login", headers=HTML)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None
    return match.group(1)


def table(html: str) -> str:
    """The objects table (and the flash line) of a list page."""
    start = html.find('id="objects"')
    assert start >= 0, html[:500]
    return html[start : html.find("</table>", start)]


class AdminViewCase:
    slug: ClassVar[str]
    perm: ClassVar[Perm]
    remove: ClassVar[str] = "delete"  # or "deactivate"
    invalid_field: ClassVar[str]
    list_words: ClassVar[list[str]] = []  # words the list shows for the made object
    raw_codes: ClassVar[list[str]] = []  # codes that must not show in the list

    # --- what a subclass provides ------------------------------------------------------
    async def seed(self, s: AsyncSession) -> dict[str, Any]:
        """Objects the forms refer to (groups, schedules ...)."""
        return {}

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        """One object through its service: (id, the name the list shows)."""
        raise NotImplementedError

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """A valid creation form and the name the list then shows."""
        raise NotImplementedError

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        raise NotImplementedError

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # --- helpers ---------------------------------------------------------------------------
    async def _setup(self, db: Database, make: bool = False) -> tuple[dict[str, Any], int, str]:
        async with db.transaction() as s:
            seeds = await self.seed(s)
            key, name = await self.make(s, seeds) if make else (0, "")
        return seeds, key, name

    async def _post(self, client: httpx.AsyncClient, url: str, form: dict[str, Any]) -> httpx.Response:
        page = await client.get(f"/admin/{self.slug}", headers=HTML)
        return await client.post(url, data={**form, "csrf_token": csrf(page.text)}, headers=HTML)

    # --- the tests -------------------------------------------------------------------------
    async def test_list_shows_objects_in_words(self, db: Database, client: httpx.AsyncClient) -> None:
        _seeds, _key, name = await self._setup(db, make=True)
        await login(client, db, Role.ADMIN)
        r = await client.get(f"/admin/{self.slug}", headers=HTML)
        assert r.status_code == 200
        rows = table(r.text)
        assert name in rows
        for word in self.list_words:
            assert word in rows, word
        for pattern in RAW:
            assert not pattern.search(rows), pattern.pattern
        for code in self.raw_codes:
            assert not re.search(rf">[^<]*\b{re.escape(code)}\b[^<]*<", rows), code

    async def test_create_confirms_the_save(self, db: Database, client: httpx.AsyncClient) -> None:
        seeds, _key, _name = await self._setup(db)
        await login(client, db, Role.ADMIN)
        page = await client.get(f"/admin/{self.slug}/new", headers=HTML)
        assert page.status_code == 200 and 'name="csrf_token"' in page.text
        form, name = self.create_form(seeds)
        r = await self._post(client, f"/admin/{self.slug}/new", form)
        assert r.status_code == 303, r.text[-3000:]
        assert r.headers["location"] == f"/admin/{self.slug}"
        listing = await client.get(f"/admin/{self.slug}", headers=HTML)
        assert f"已创建：{name}" in listing.text
        assert name in table(listing.text)
        again = await client.get(f"/admin/{self.slug}", headers=HTML)
        assert "已创建" not in again.text  # the confirmation shows once

    async def test_invalid_input_is_explained_next_to_the_field(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seeds, _key, _name = await self._setup(db)
        await login(client, db, Role.ADMIN)
        r = await self._post(client, f"/admin/{self.slug}/new", self.invalid_form(seeds))
        assert r.status_code == 422, r.text[-2000:]
        match = re.search(rf'data-error-for="{self.invalid_field}">([^<]+)<', r.text)
        assert match is not None, r.text[-3000:]
        assert CJK.search(match.group(1)), match.group(1)

    async def test_edit_saves_and_confirms(self, db: Database, client: httpx.AsyncClient) -> None:
        seeds, key, name = await self._setup(db, make=True)
        await login(client, db, Role.ADMIN)
        page = await client.get(f"/admin/{self.slug}/{key}", headers=HTML)
        assert page.status_code == 200 and name in page.text
        form, new_name = self.edit_form(seeds)
        r = await self._post(client, f"/admin/{self.slug}/{key}", form)
        assert r.status_code == 303, r.text[-3000:]
        listing = await client.get(f"/admin/{self.slug}", headers=HTML)
        assert f"已保存：{new_name}" in listing.text
        assert new_name in table(listing.text)

    async def test_remove_asks_first(self, db: Database, client: httpx.AsyncClient) -> None:
        _seeds, key, name = await self._setup(db, make=True)
        await login(client, db, Role.ADMIN)
        confirm = await client.get(f"/admin/{self.slug}/{key}/delete", headers=HTML)
        assert confirm.status_code == 200
        assert "确定" in confirm.text and name in confirm.text
        assert name in table((await client.get(f"/admin/{self.slug}", headers=HTML)).text)
        r = await self._post(client, f"/admin/{self.slug}/{key}/delete", {})
        assert r.status_code == 303
        listing = await client.get(f"/admin/{self.slug}", headers=HTML)
        rows = table(listing.text)
        if self.remove == "delete":
            assert f"已删除：{name}" in listing.text
            assert name not in rows
        else:
            assert f"已停用：{name}" in listing.text
            row = re.search(rf'<tr data-id="{key}"[^>]*>(.*?)</tr>', rows, re.S)
            assert row is not None and "已停用" in row.group(1)

    async def test_roles_follow_the_permission_table(self, db: Database, client: httpx.AsyncClient) -> None:
        seeds, key, _name = await self._setup(db, make=True)
        for role in (Role.AGENT, Role.SUPERVISOR):
            await login(client, db, role)
            allowed = self.perm in ROLE_PERMS[role.value]
            expected = 200 if allowed else 403
            for url in (f"/admin/{self.slug}", f"/admin/{self.slug}/new", f"/admin/{self.slug}/{key}"):
                assert (await client.get(url, headers=HTML)).status_code == expected, (role, url)
            if allowed:
                continue
            token = csrf((await client.get("/agent", headers=HTML)).text)
            form, _new = self.create_form(seeds)
            r = await client.post(f"/admin/{self.slug}/new", data={**form, "csrf_token": token}, headers=HTML)
            assert r.status_code == 403, role
            r = await client.post(
                f"/admin/{self.slug}/{key}/delete", data={"csrf_token": token}, headers=HTML
            )
            assert r.status_code == 403, role
        await login(client, db, Role.ADMIN)
        listing = table((await client.get(f"/admin/{self.slug}", headers=HTML)).text)
        assert f'data-id="{key}"' in listing and "已停用" not in listing  # the refusals changed nothing
        _form, created = self.create_form(seeds)
        assert created not in listing

    async def test_forms_need_the_csrf_token(self, db: Database, client: httpx.AsyncClient) -> None:
        seeds, key, name = await self._setup(db, make=True)
        await login(client, db, Role.ADMIN)
        form, _new = self.create_form(seeds)
        assert (await client.post(f"/admin/{self.slug}/new", data=form, headers=HTML)).status_code == 403
        r = await client.post(f"/admin/{self.slug}/{key}/delete", data={}, headers=HTML)
        assert r.status_code == 403
        assert name in table((await client.get(f"/admin/{self.slug}", headers=HTML)).text)
