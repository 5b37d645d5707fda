"""发信服务器 on /admin/mail: an admin, not the server's environment, sets where outgoing mail
goes; mail kept as held while none was set goes out with one click; a test mail says in
Chinese what went wrong; the password is stored sealed and never shown; bad input is refused
and saves nothing. The relay is a real SMTP server (aiosmtpd on loopback) with AUTH."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import OutboundMail, SettingValue
from kefu.models.mail import OutboxStatus
from kefu.models.user import Role
from kefu.outbox.service import RELAY_KEY, mail_service
from tests.conftest import Configure, free_port
from tests.mail.conftest import Outgoing
from tests.web.admin.cases import HTML, csrf, login

PASSWORD = "授权码-Xy7!"
# The relay asks for AUTH without TLS on purpose (loopback, and a plain server for the TLS case).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class _Auth:
    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == b"kefu@corp.cn"
            and data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def relay(configure: Configure) -> Iterator[tuple[Outgoing, int]]:
    """A company relay that wants a user name and password (AUTH over plain text: loopback)."""
    box = Outgoing()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_Auth(),
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    # No relay in the environment; loopback is allowed the way an operator allows a LAN relay.
    configure(smtp_host=None, outbound_allow=["127.0.0.1"], mail_from="noreply@kefu.demo")
    yield box, port
    controller.stop()


async def _statuses(db: Database) -> list[str]:
    async with db.session() as s:
        return list((await s.execute(sa.select(OutboundMail.status).order_by(OutboundMail.id))).scalars())


async def test_admin_sets_relay_releases_held_mail_and_tests_it(
    db: Database, client: httpx.AsyncClient, relay: tuple[Outgoing, int]
) -> None:
    box, port = relay
    async with db.transaction() as s:
        await mail_service.queue(s, to="wang@example.cn", subject="工单已受理", text="您好，工单已受理。")
    assert await _statuses(db) == [OutboxStatus.HELD]  # no server yet: kept, not lost

    await login(client, db, Role.ADMIN)
    page = await client.get("/admin/mail", headers=HTML)
    assert page.status_code == 200 and "发信服务器（SMTP）" in page.text
    assert "尚未设置发信服务器" in page.text and "有 1 封邮件因未设置发信服务器而暂存" in page.text
    token = csrf(page.text)
    form = {
        "csrf_token": token,
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "username": "kefu@corp.cn",
        "password": PASSWORD,
        "mail_from": "service@corp.cn",
        "from_name": "星辰电子客服",
    }
    r = await client.post("/admin/mail/relay", data=form)
    assert r.status_code == 303
    async with db.session() as s:
        stored = (await s.get(SettingValue, RELAY_KEY)).value  # type: ignore[union-attr]
    assert PASSWORD not in str(stored) and stored["password"].startswith("enc1:")  # sealed at rest
    page = await client.get("/admin/mail", headers=HTML)
    assert f"通过 127.0.0.1:{port} 发出" in page.text and PASSWORD not in page.text
    assert "（不修改）" in page.text  # the saved password is never shown back

    # Saved again without typing the password (a colleague changes the sender name): it stays.
    r = await client.post("/admin/mail/relay", data={**form, "password": "", "from_name": "星辰客服中心"})
    assert r.status_code == 303

    r = await client.post("/admin/mail/relay/release", data={"csrf_token": token})
    assert r.status_code == 200 and "已将 1 封暂存邮件加入发送队列" in r.text
    await Worker(db).run_until_idle()
    assert await _statuses(db) == [OutboxStatus.SENT]
    [held] = box.messages
    assert held["To"] == "wang@example.cn" and held["From"] == "星辰客服中心 <service@corp.cn>"

    # Mail written from now on is queued and sent straight away.
    async with db.transaction() as s:
        await mail_service.queue(s, to="li@example.cn", subject="您的工单已解决", text="您好。")
    await Worker(db).run_until_idle()
    assert await _statuses(db) == [OutboxStatus.SENT, OutboxStatus.SENT] and len(box.messages) == 2

    r = await client.post("/admin/mail/relay/test", data={"csrf_token": token, "to": "admin@corp.cn"})
    assert r.status_code == 200 and "测试邮件已发送至 admin@corp.cn" in r.text
    assert box.messages[-1]["To"] == "admin@corp.cn" and "测试邮件" in box.messages[-1]["Subject"]


async def test_test_mail_explains_failures_in_chinese(
    db: Database, client: httpx.AsyncClient, relay: tuple[Outgoing, int], configure: Configure
) -> None:
    box, port = relay
    await login(client, db, Role.ADMIN)
    token = csrf((await client.get("/admin/mail", headers=HTML)).text)
    base = {
        "csrf_token": token,
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "username": "kefu@corp.cn",
    }

    async def test_mail(status: int = 200) -> str:
        r = await client.post("/admin/mail/relay/test", data={"csrf_token": token, "to": "admin@corp.cn"})
        assert r.status_code == status
        return r.text

    assert "请先设置发信服务器" in await test_mail(422)
    await client.post("/admin/mail/relay", data={**base, "password": "wrong"})
    assert "服务器拒绝了用户名或密码" in await test_mail()
    await client.post("/admin/mail/relay", data={**base, "password": PASSWORD, "security": "tls"})
    assert "加密连接失败" in await test_mail()  # SMTPS against a plain-text server
    await client.post("/admin/mail/relay", data={**base, "password": PASSWORD, "port": str(free_port())})
    assert "无法连接服务器" in await test_mail()
    # A relay typed into the page passes the SSRF guard: a private address not allowed is refused.
    configure(outbound_allow=[])
    await client.post("/admin/mail/relay", data={**base, "password": PASSWORD})
    assert "该地址不在外连允许列表中" in await test_mail()
    assert box.messages == []


async def test_bad_input_is_refused_in_chinese_and_saves_nothing(
    db: Database, client: httpx.AsyncClient, relay: tuple[Outgoing, int]
) -> None:
    await login(client, db, Role.ADMIN)
    token = csrf((await client.get("/admin/mail", headers=HTML)).text)
    good = {"csrf_token": token, "host": "smtp.exmail.qq.com", "port": "465", "security": "tls"}
    for field, value, message in [
        ("port", "七七", "端口"),
        ("port", "70000", "端口"),
        ("host", "smtp exmail", "服务器"),
        ("mail_from", "service-at-corp", "发件地址"),
        ("security", "ssl3", "加密方式"),
    ]:
        r = await client.post("/admin/mail/relay", data={**good, field: value})
        assert r.status_code == 422 and message in r.text, (field, value)
        assert value in r.text or field == "security"  # what was typed is kept on the form
    r = await client.post("/admin/mail/relay/test", data={"csrf_token": token, "to": "not an address"})
    assert r.status_code == 422 and "有效的邮箱地址" in r.text
    async with db.session() as s:
        assert await s.get(SettingValue, RELAY_KEY) is None


async def test_environment_relay_is_used_until_the_page_saves_one(
    db: Database, client: httpx.AsyncClient, outgoing: Outgoing
) -> None:
    """A server set up with KEFU_SMTP_HOST keeps working without anyone visiting the page."""
    async with db.transaction() as s:
        await mail_service.queue(s, to="wang@example.cn", subject="通知", text="正文")
    await Worker(db).run_until_idle()
    assert await _statuses(db) == [OutboxStatus.SENT] and len(outgoing.messages) == 1
    await login(client, db, Role.ADMIN)
    page = await client.get("/admin/mail", headers=HTML)
    assert "当前使用服务器环境变量" in page.text
