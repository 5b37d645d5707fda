"""Sign-in, tokens and the error contract for bad input (each with its 4xx and audit)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import ApiToken, AuditEntry
from kefu.models.user import Role
from tests.factories import PASSWORD, bearer, make_user, staff_token


async def _audit_actions(db: Database) -> list[str]:
    async with db.session() as s:
        return list((await s.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id))).scalars())


class TestTokenEndpoint:
    async def test_right_password_gives_a_working_bearer_token(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="agent@example.com", role=Role.AGENT)
        r = await client.post("/api/v1/auth/token", json={"email": "Agent@Example.com", "password": PASSWORD})
        assert r.status_code == 200
        body = r.json()
        assert body["token_type"] == "bearer"
        assert body["role"] == "agent"
        me = await client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["role"] == "agent"
        assert "auth.login" in await _audit_actions(db)

    async def test_wrong_password_is_401_and_audited(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="a@example.com")
        r = await client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "nope"})
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"
        assert "denied.invalid_credentials" in await _audit_actions(db)

    async def test_unknown_user_looks_the_same_as_a_wrong_password(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/auth/token", json={"email": "ghost@example.com", "password": "x"})
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"

    async def test_inactive_user_cannot_sign_in(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            user = await make_user(s, email="gone@example.com")
            user.is_active = False
        r = await client.post("/api/v1/auth/token", json={"email": "gone@example.com", "password": PASSWORD})
        assert r.status_code == 401


class TestBearerTokens:
    async def test_missing_token_is_401(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/auth/me")
        assert r.status_code == 401
        assert r.json() == {"error": {"code": "not_authenticated", "message": r.json()["error"]["message"]}}

    async def test_expired_token_is_401_and_audited(self, db: Database, client: httpx.AsyncClient) -> None:
        _user, token = await staff_token(db)
        async with db.transaction() as s:
            await s.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        r = await client.get("/api/v1/auth/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "token_expired"
        assert "denied.token_expired" in await _audit_actions(db)

    async def test_revoked_token_stops_working_at_once(self, db: Database, client: httpx.AsyncClient) -> None:
        _user, token = await staff_token(db)
        tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(token))).json()["items"]
        r = await client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}", headers=bearer(token))
        assert r.status_code == 204
        r = await client.get("/api/v1/auth/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_token"

    async def test_someone_elses_token_id_is_not_found(self, db: Database, client: httpx.AsyncClient) -> None:
        _a, token_a = await staff_token(db)
        _b, token_b = await staff_token(db)
        b_tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(token_b))).json()["items"]
        r = await client.delete(f"/api/v1/auth/tokens/{b_tokens[0]['id']}", headers=bearer(token_a))
        assert r.status_code == 404
        assert (await client.get("/api/v1/auth/me", headers=bearer(token_b))).status_code == 200

    async def test_tokens_are_stored_hashed(self, db: Database) -> None:
        _user, token = await staff_token(db)
        async with db.session() as s:
            stored = (await s.execute(sa.select(ApiToken.token_hash))).scalar_one()
        assert token not in stored
        async with db.session() as s:
            principal = await auth_service.principal_from_token(s, token)
        assert principal.is_staff


class TestBadInput:
    async def test_unknown_fields_are_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/auth/token", json={"email": "a@b.c", "password": "x", "admin": True})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"
        assert "admin" in r.json()["error"]["message"]

    async def test_malformed_json_is_400(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/api/v1/auth/token",
            content=b'{"email": ',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "malformed_json"

    async def test_oversized_body_is_413(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/api/v1/auth/token",
            content=b"x" * 2_000_000,
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"

    async def test_unknown_route_is_json_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/nope")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"

    async def test_agent_cannot_manage_users_and_the_denial_is_audited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, token = await staff_token(db, role=Role.AGENT)
        r = await client.post(
            "/api/v1/users",
            headers=bearer(token),
            json={"email": "x@example.com", "password": "longenough", "role": "admin"},
        )
        assert r.status_code == 403
        assert "denied.forbidden" in await _audit_actions(db)


class TestRateLimit:
    async def test_login_attempts_are_limited_per_address(self, db: Database) -> None:
        from kefu.app import create_app
        from tests.conftest import make_settings

        app = create_app(make_settings(db.url, rate_limit="3/60"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                codes = [
                    (
                        await c.post("/api/v1/auth/token", json={"email": "a@b.cn", "password": "x"})
                    ).status_code
                    for _ in range(5)
                ]
        assert codes == [401, 401, 401, 429, 429]


class TestOps:
    async def test_health_ready_and_metrics(self, db: Database) -> None:
        from kefu.app import create_app
        from tests.conftest import make_settings

        app = create_app(make_settings(db.url, metrics_token="metrics-secret"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await self._check(client)

    async def _check(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).status_code == 200
        await client.get("/healthz")
        assert (await client.get("/metrics")).status_code == 404  # no token: nothing to see
        metrics = (await client.get("/metrics", headers=bearer("metrics-secret"))).text
        assert "kefu_http_requests_total" in metrics
        assert 'kefu_jobs{status="queued"}' in metrics
        assert "kefu_websocket_connections" in metrics
