"""Finding 8: password change revokes sessions and tokens; magic links (newest only, never
bearers); short-lived sign-in tokens; CSP with a nonce, HSTS and Secure cookies behind
KEFU_SECURE_COOKIES; /metrics and /docs closed (both backends where storage is involved)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.app import create_app
from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.kit.time import ensure_utc, utcnow
from kefu.models import ApiToken
from kefu.models.user import Role
from tests.conftest import make_settings
from tests.factories import PASSWORD, bearer, make_customer, make_user, staff_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _web_login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    m = CSRF.search(page.text)
    assert m is not None
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": m.group(1)})
    assert r.status_code == 303


class TestPasswordChange:
    async def test_a_new_password_ends_old_tokens_and_browser_sessions(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        user, old_token = await staff_token(db, role=Role.AGENT, email="moved@example.com")
        await _web_login(client, "moved@example.com")
        assert (await client.get("/agent")).status_code == 200
        r = await client.patch(
            f"/api/v1/users/{user.id}", headers=bearer(admin), json={"password": "a-brand-new-pass-9"}
        )
        assert r.status_code == 200
        assert (await client.get("/api/v1/auth/me", headers=bearer(old_token))).status_code == 401
        page = await client.get("/agent", headers={"accept": "text/html"})
        assert page.status_code in (302, 303, 401) or "/login" in str(page.url)

    async def test_users_list_and_revoke_their_tokens(self, db: Database, client: httpx.AsyncClient) -> None:
        _u, token = await staff_token(db, role=Role.AGENT)
        items = (await client.get("/api/v1/auth/tokens", headers=bearer(token))).json()["items"]
        assert len(items) == 1 and "token_hash" not in items[0]
        r = await client.delete(f"/api/v1/auth/tokens/{items[0]['id']}", headers=bearer(token))
        assert r.status_code == 204
        assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401


class TestSignInTokens:
    async def test_a_sign_in_token_is_short_lived(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="short@example.com")
        r = await client.post("/api/v1/auth/token", json={"email": "short@example.com", "password": PASSWORD})
        assert r.status_code == 200
        async with db.session() as s:
            [row] = (await s.execute(sa.select(ApiToken))).scalars().all()
        assert row.expires_at is not None
        assert ensure_utc(row.expires_at) - utcnow() <= timedelta(hours=12, minutes=1)


class TestMagicLinks:
    async def test_only_the_newest_link_works_and_no_link_is_a_bearer(self, db: Database) -> None:
        async with db.transaction() as s:
            customer = await make_customer(s, name="周", email="zhou@example.cn")
            cid = customer.id
            first = await auth_service.issue_customer_token(s, cid, name="magic-link", minutes=15)
        async with db.transaction() as s:
            await auth_service.send_magic_link(s, "zhou@example.cn", "http://testserver")
        async with db.transaction() as s:
            try:
                await auth_service.redeem_magic_link(s, first.token)
                redeemed = True
            except Exception:
                redeemed = False
        assert not redeemed  # the older link died when a new one was sent
        async with db.transaction() as s:
            second = await auth_service.issue_customer_token(s, cid, name="magic-link", minutes=15)
        app = create_app(make_settings(db.url))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                r = await c.get("/api/v1/auth/me", headers=bearer(second.token))
                assert r.status_code == 401


class TestHeaders:
    async def test_pages_carry_a_nonce_csp_and_their_scripts_the_nonce(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/login")
        csp = r.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce is not None and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        scripts = re.findall(r"<script[^>]*>", r.text)
        assert scripts and all(f'nonce="{nonce.group(1)}"' in s for s in scripts)
        assert " on" not in "".join(re.findall(r"<[^>]+ on[a-z]+=", r.text))
        assert "strict-transport-security" not in r.headers  # not behind TLS by default

    async def test_behind_tls_hsts_and_every_cookie_secure(self, db: Database) -> None:
        app = create_app(make_settings(db.url, secure_cookies=True))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
                r = await c.get("/login")
                assert r.headers["strict-transport-security"].startswith("max-age=")
                cookies = r.headers.get_list("set-cookie")
                assert cookies and all("secure" in c.lower() for c in cookies)
                r = await c.get("/lang/en", follow_redirects=False)
                assert all("secure" in c.lower() for c in r.headers.get_list("set-cookie"))


class TestClosedByDefault:
    async def test_metrics_need_the_token_or_an_allowed_address(self, db: Database) -> None:
        for overrides, headers, expected in [
            ({}, {}, 404),
            ({"metrics_token": "t0ken"}, {"Authorization": "Bearer wrong"}, 404),
            ({"metrics_token": "t0ken"}, {"Authorization": "Bearer t0ken"}, 200),
            ({"metrics_allow": ["127.0.0.0/8"]}, {}, 200),
        ]:
            app = create_app(make_settings(db.url, **overrides))
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1234))
                async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                    assert (await c.get("/metrics", headers=headers)).status_code == expected, overrides

    async def test_docs_are_for_signed_in_staff_and_off_in_prod(self, db: Database) -> None:
        _u, token = await staff_token(db, role=Role.AGENT)
        app = create_app(make_settings(db.url))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                assert (await c.get("/openapi.json")).status_code == 401
                assert (await c.get("/docs", headers={"accept": "application/json"})).status_code == 401
                assert (await c.get("/openapi.json", headers=bearer(token))).status_code == 200
                assert (await c.get("/docs", headers=bearer(token))).status_code == 200
        app = create_app(make_settings(db.url, env="prod", secret_key="p" * 40))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                assert (await c.get("/openapi.json", headers=bearer(token))).status_code == 404
