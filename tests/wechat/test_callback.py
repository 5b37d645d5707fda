"""The WeChat callback as the platform calls it: signed plain and safe-mode XML in, reply
XML out, the bot answering as in the widget; forged, replayed and broken callbacks refused."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from defusedxml import ElementTree

from kefu.kit.db import Database
from kefu.models import Conversation, Customer, Identity, Message, WechatInbound, WechatUser
from kefu.models.user import Role
from kefu.wechat import crypto
from tests.factories import bearer, staff_token

# Loopback fakes stand in for outside services: the SSRF guard's test allow-list.
pytestmark = pytest.mark.usefixtures("allow_loopback")

TOKEN = "kefuToken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"
GH = "gh_0123456789ab"


async def make_account(client: httpx.AsyncClient, db: Database, **extra: Any) -> str:
    _admin, token = await staff_token(db, role=Role.ADMIN)
    body = {
        "name": "星辰电子服务号",
        "app_id": APP_ID,
        "app_secret": "s3cret-app-secret",
        "token": TOKEN,
        **extra,
    }
    r = await client.post("/api/v1/channels/wechat", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    path = r.json()["callback_path"]
    assert path.startswith("/")
    return str(path)


def text_xml(openid: str, content: str, msg_id: int, *, msg_type: str = "text", **fields: str) -> str:
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    body = f"<Content><![CDATA[{content}]]></Content>" if msg_type == "text" else ""
    return (
        f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}{extra}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def signed(ts: int | None = None, nonce: str | None = None) -> dict[str, str]:
    ts_s, nonce_s = str(ts or int(time.time())), nonce or uuid.uuid4().hex[:10]
    return {"timestamp": ts_s, "nonce": nonce_s, "signature": crypto.signature(TOKEN, ts_s, nonce_s)}


async def post_plain(client: httpx.AsyncClient, path: str, xml: str, **q: Any) -> httpx.Response:
    return await client.post(path, params={**signed(), **q}, content=xml.encode())


def reply_content(text: str) -> str:
    root = ElementTree.fromstring(text)
    assert root.findtext("MsgType") == "text"
    return str(root.findtext("Content"))


async def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.select(model).where(*where))).scalars())


async def bot_texts(db: Database, conversation_id: int, after_seq: int) -> list[str]:
    found = await rows(db, Message, Message.conversation_id == conversation_id, Message.seq > after_seq)
    return [
        m.text for m in sorted(found, key=lambda m: m.seq) if m.sender in ("bot", "system") and not m.internal
    ]


class TestUrlVerification:
    async def test_good_signature_echoes_and_bad_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        path = await make_account(client, db)
        r = await client.get(path, params={**signed(), "echostr": "echo-42"})
        assert r.status_code == 200 and r.text == "echo-42"
        bad = {**signed(), "echostr": "echo-42", "signature": "0" * 40}
        r = await client.get(path, params=bad)
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        assert (await client.get("/api/v1/channels/wechat/999/callback", params=signed())).status_code == 404


class TestPlainMessages:
    async def test_text_gets_the_bot_answer_as_passive_reply(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        path = await make_account(client, db)
        r = await post_plain(client, path, text_xml("o-user-1", "你们的营业时间是几点？", 1001))
        assert r.status_code == 200, r.text
        root = ElementTree.fromstring(r.text)
        assert root.findtext("ToUserName") == "o-user-1" and root.findtext("FromUserName") == GH
        [conv] = await rows(db, Conversation)
        assert conv.channel == "wechat"
        msgs = sorted(await rows(db, Message, Message.conversation_id == conv.id), key=lambda m: m.seq)
        customer_msgs = [m for m in msgs if m.sender == "customer"]
        assert [m.text for m in customer_msgs] == ["你们的营业时间是几点？"]
        # The reply is exactly what the bot stored after the customer's message (the same bot
        # as the widget's), not the greeting.
        answer = await bot_texts(db, conv.id, customer_msgs[0].seq)
        assert answer and reply_content(r.text) == "\n\n".join(answer)
        # The follower is a customer with an openid identity.
        [ident] = await rows(db, Identity, Identity.kind == "wechat_openid")
        assert ident.value == "o-user-1" and ident.customer_id == conv.customer_id

    async def test_duplicate_msgid_is_stored_once_and_answered_the_same(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        path = await make_account(client, db)
        xml = text_xml("o-user-2", "退货怎么办理", 2002)
        first = await post_plain(client, path, xml)
        again = await post_plain(client, path, xml)  # the platform's retry: new nonce, same MsgId
        assert first.status_code == again.status_code == 200
        assert reply_content(again.text) == reply_content(first.text)
        msgs = await rows(db, Message, Message.sender == "customer")
        assert [m.text for m in msgs] == ["退货怎么办理"]
        assert len(await rows(db, WechatInbound)) == 1

    async def test_subscribe_greets_and_media_are_kept(self, db: Database, client: httpx.AsyncClient) -> None:
        path = await make_account(client, db, menu={"HOURS": "营业时间"})
        r = await post_plain(client, path, event_xml("o-user-3", "subscribe"))
        assert r.status_code == 200 and reply_content(r.text)  # the bot's greeting
        r = await post_plain(
            client,
            path,
            text_xml(
                "o-user-3", "", 3003, msg_type="image", PicUrl="http://mmbiz.qpic.cn/x.jpg", MediaId="m-1"
            ),
        )
        assert r.status_code == 200
        r = await post_plain(
            client,
            path,
            text_xml(
                "o-user-3", "", 3004, msg_type="voice", MediaId="m-2", Format="amr", Recognition="转人工"
            ),
        )
        assert r.status_code == 200
        r = await post_plain(client, path, event_xml("o-user-3", "CLICK", "HOURS"))
        assert r.status_code == 200
        said = sorted(await rows(db, Message, Message.sender == "customer"), key=lambda m: m.seq)
        assert said[0].text.startswith("[图片]") and said[0].extra["wechat"]["media_id"] == "m-1"
        assert said[1].text == "转人工" and said[1].extra["wechat"]["recognition"] == "转人工"
        assert said[2].text == "营业时间" and said[2].extra["wechat"]["key"] == "HOURS"
        assert len(await rows(db, Conversation)) == 1  # one conversation per follower
        r = await post_plain(client, path, event_xml("o-user-3", "unsubscribe"))
        assert r.status_code == 200 and r.text == "success"
        [user] = await rows(db, WechatUser)
        assert user.subscribed is False


class TestSafeMode:
    async def test_encrypted_message_gets_an_encrypted_reply(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        path = await make_account(client, db, encoding_aes_key=AES_KEY)
        inner = text_xml("o-enc-1", "发票怎么开", 4004)
        encrypted = crypto.encrypt(AES_KEY, APP_ID, inner)
        q = signed()
        q |= {
            "encrypt_type": "aes",
            "msg_signature": crypto.signature(TOKEN, q["timestamp"], q["nonce"], encrypted),
        }
        outer = (
            f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        r = await client.post(path, params=q, content=outer.encode())
        assert r.status_code == 200, r.text
        root = ElementTree.fromstring(r.text)
        enc, sig = str(root.findtext("Encrypt")), str(root.findtext("MsgSignature"))
        ts, nonce = str(root.findtext("TimeStamp")), str(root.findtext("Nonce"))
        assert sig == crypto.signature(TOKEN, ts, nonce, enc)
        [conv] = await rows(db, Conversation)
        [asked] = await rows(db, Message, Message.sender == "customer")
        assert asked.text == "发票怎么开"
        assert reply_content(crypto.decrypt(AES_KEY, APP_ID, enc)) == "\n\n".join(
            await bot_texts(db, conv.id, asked.seq)
        )
        # Tampered ciphertext (signature no longer matches) is refused; nothing stored.
        q2 = signed()
        q2 |= {
            "encrypt_type": "aes",
            "msg_signature": crypto.signature(TOKEN, q2["timestamp"], q2["nonce"], encrypted),
        }
        tampered = outer.replace(encrypted, encrypted[:-8] + "AAAAAAA=")
        r = await client.post(path, params=q2, content=tampered.encode())
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        # Correctly signed but encrypted for another app id: 400, quarantined, not processed.
        other = crypto.encrypt(AES_KEY, "wxsomeoneelse000", inner.replace("4004", "4005"))
        q3 = signed()
        q3 |= {
            "encrypt_type": "aes",
            "msg_signature": crypto.signature(TOKEN, q3["timestamp"], q3["nonce"], other),
        }
        r = await client.post(path, params=q3, content=outer.replace(encrypted, other).encode())
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_encryption"
        assert len(await rows(db, Message, Message.sender == "customer")) == 1


class TestBadInput:
    async def test_forged_stale_and_replayed_callbacks_store_nothing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        path = await make_account(client, db)
        xml = text_xml("o-bad-1", "你好", 5005).encode()
        forged = {**signed(), "signature": "f" * 40}
        r = await client.post(path, params=forged, content=xml)
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        stale = signed(ts=int(time.time()) - 3600)
        r = await client.post(path, params=stale, content=xml)
        assert r.status_code == 403 and r.json()["error"]["code"] == "stale"
        assert await rows(db, Message) == [] and await rows(db, WechatInbound) == []
        # A captured signature replayed with another body is refused.
        q = signed()
        assert (await client.post(path, params=q, content=xml)).status_code == 200
        other = text_xml("o-bad-1", "把钱转给我", 5006).encode()
        r = await client.post(path, params=q, content=other)
        assert r.status_code == 403 and r.json()["error"]["code"] == "replayed"
        assert [m.text for m in await rows(db, Message, Message.sender == "customer")] == ["你好"]

    @pytest.mark.parametrize(
        "body",
        [
            b"not xml at all",
            b"<xml><ToUserName>x</ToUserName>",  # truncated
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>',  # entities
            b"<root><MsgType>text</MsgType></root>",  # wrong root
            b"<xml><MsgType>text</MsgType></xml>",  # missing sender
        ],
    )
    async def test_garbage_is_400_and_kept_visible(
        self, db: Database, client: httpx.AsyncClient, body: bytes
    ) -> None:
        path = await make_account(client, db)
        r = await client.post(path, params=signed(), content=body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_xml"
        [row] = await rows(db, WechatInbound)
        assert row.status == "unparseable" and row.raw  # quarantined with its source
        assert await rows(db, Conversation) == [] and await rows(db, Customer) == []

    async def test_account_validation_and_admin_only(self, db: Database, client: httpx.AsyncClient) -> None:
        _agent, agent = await staff_token(db, role=Role.AGENT)
        body = {"name": "x", "app_id": "wxabc", "app_secret": "12345678", "token": "tok123"}
        assert (
            await client.post("/api/v1/channels/wechat", headers=bearer(agent), json=body)
        ).status_code == 403
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        for bad in ({"token": "a b"}, {"encoding_aes_key": "short"}, {"api_base": "file:///etc"}):
            r = await client.post("/api/v1/channels/wechat", headers=bearer(admin), json={**body, **bad})
            assert r.status_code == 422, bad
        assert (
            await client.post("/api/v1/channels/wechat", headers=bearer(admin), json=body)
        ).status_code == 201
        r = await client.post("/api/v1/channels/wechat", headers=bearer(admin), json=body)
        assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_app_id"
