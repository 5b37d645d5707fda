"""Every page a person can reach, as each role, in Chinese: no raw dicts or JSON, no escaped
unicode, no raw seconds, no English enum codes (the rules are in tests/web/pagewalk.py).

The demo company (a week of history, so reports, WFM and timelines have numbers) is
loaded once; each role signs in over HTTP against the in-process app and follows every
link from its navigation, plus the detail pages of a ticket, a customer and a conversation.
Pages of one shape (`/agent/tickets/{n}`) are visited at most twice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from kefu.app import create_app
from tests.conftest import ROOT, make_settings
from tests.web.pagewalk import check_html

PASSWORD = "kefu-demo"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/logout", "/lang/", "/static", "/api/", "/ws", "/metrics", "/healthz", "/readyz")
PER_SHAPE = 2
MAX_PAGES = 120
ROLES = {
    "admin": ("admin@kefu.demo", "/login", ["/agent"]),
    "supervisor": ("supervisor@kefu.demo", "/login", ["/agent", "/agent/my-customers"]),
    "agent": ("agent1@kefu.demo", "/login", ["/agent"]),
    "customer": ("zhoujie@example.cn", "/portal/login", ["/portal/tickets", "/help"]),
}


def shape(path: str) -> str:
    return re.sub(r"\d+", "{n}", urlsplit(path).path)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("pagewalk")
    url = f"sqlite+aiosqlite:///{folder / 'kefu.db'}"
    env = {
        "KEFU_DATABASE_URL": url,
        "KEFU_DATA_DIR": str(folder),
        "KEFU_DEMO_HISTORY_DAYS": "7",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    # Not run_cli: on a loaded machine the demo with history can take longer than its 120 s.
    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "demo"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture
async def demo_client(demo_db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(demo_db))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as c:
            yield c


async def _login(client: httpx.AsyncClient, email: str, path: str) -> None:
    page = await client.get(path, headers={"accept": "text/html"})
    token = CSRF.search(page.text)
    assert token is not None, f"no sign-in form at {path}"
    r = await client.post(path, data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    assert r.status_code == 303, (email, r.status_code, r.text[:300])


async def _details(client: httpx.AsyncClient, role: str) -> list[str]:
    """A ticket, a customer and a conversation each role may open."""
    if role == "customer":
        page = await client.get("/portal/tickets", headers={"accept": "text/html"})
        return [m for m in HREF.findall(page.text) if re.fullmatch(r"/portal/tickets/\d+", m)][:1]
    # A chat ticket: its customer's page links the conversation (/agent?c=...).
    items = (await client.get("/api/v1/tickets", params={"channel": "chat"})).json().get("items", [])
    assert items, "the demo has chat tickets"
    return [f"/agent/tickets/{items[0]['id']}", f"/agent/customers/{items[0]['customer_id']}"]


async def walk(client: httpx.AsyncClient, start: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Breadth-first over same-site GET links; {path: (status, findings)}."""
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    todo = list(start)
    out: dict[str, tuple[int, list[str]]] = {}
    while todo and len(out) < MAX_PAGES:
        path = todo.pop(0)
        if path in seen or per_shape.get(shape(path), 0) >= PER_SHAPE:
            continue
        seen.add(path)
        per_shape[shape(path)] = per_shape.get(shape(path), 0) + 1
        r = await client.get(path, headers={"accept": "text/html"}, follow_redirects=True)
        if r.status_code >= 500:
            out[path] = (r.status_code, [f"server error {r.status_code}"])
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        findings = check_html(r.text)
        if '<html lang="zh-CN">' not in r.text:
            findings.append("page is not in zh-CN")
        out[path] = (r.status_code, findings)
        for href in HREF.findall(r.text):
            target = urlsplit(urljoin(path, href.replace("&amp;", "&")))
            if target.netloc not in ("", "testserver") or target.path.startswith(SKIP):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                todo.append(link)
    return out


def _report(failures: dict[str, list[str]]) -> str:
    return "\n".join(f"{p}:\n    " + "\n    ".join(f[:8]) for p, f in sorted(failures.items()))


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_page_reads_as_chinese(role: str, demo_client: httpx.AsyncClient) -> None:
    email, login_path, start = ROLES[role]
    await _login(demo_client, email, login_path)
    pages = await walk(demo_client, start + await _details(demo_client, role))
    shapes = {shape(p) for p in pages}
    expected = {
        "admin": {
            "/agent",
            "/agent/tickets",
            "/reports",
            "/reports/monthly",
            "/wfm",
            "/admin/jobs",
            "/admin/bot",
            "/admin/quality",
            "/admin/schedules",
            "/admin/sla-policies",
            "/admin/triggers",
        },
        "supervisor": {"/agent", "/supervisor", "/supervisor/wallboard", "/reports", "/wfm", "/me/stats"},
        "agent": {"/agent", "/agent/tickets", "/agent/tickets/{n}", "/agent/customers/{n}", "/me/stats"},
        "customer": {"/portal/tickets", "/portal/tickets/{n}", "/portal/account", "/help"},
    }[role]
    assert expected <= shapes, f"not reached: {expected - shapes}"
    if role != "customer":
        assert any(p.startswith("/agent?c=") for p in pages), "no conversation page reached"
    failures = {p: f for p, (_s, f) in pages.items() if f}
    assert not failures, "pages a Chinese reader cannot read:\n" + _report(failures)


def test_the_checks_catch_what_they_claim() -> None:
    """The rules on small samples, so a silent checker cannot pass the walk."""
    bad: dict[str, Any] = {
        "<td>{'priority': 'urgent'}</td>": "raw-json",
        '<p>{"a": 1}</p>': "raw-json",
        "<p>\\u89e3\\u51b3</p>": "escaped-unicode",
        "<p>470471.2</p>": "raw-seconds",
        "<p>12.979 秒</p>": "raw-seconds",
        "<table><tr><th>首次响应时长</th><td>1800</td></tr></table>": "raw-seconds",
        "<table><thead><tr><th>平均处理时长</th></tr></thead><tr><td>420</td></tr></table>": "raw-seconds",
        "<p>渠道: chat</p>": "raw-code",
        "<td>negative</td>": "raw-code",
        "<td>sla.scan</td>": "raw-code",
        '<script type="application/json">{"names": ["email", "电话"]}</script>': "raw-code",
    }
    for html, rule in bad.items():
        assert any(f.startswith(rule) for f in check_html(html)), html
    good = [
        "<td>2天3小时</td>",
        "<table><thead><tr><th>平均处理时长</th></tr></thead><tr><td>7分钟</td></tr></table>",
        "<table><thead><tr><th>首次响应</th></tr></thead><tr><td>1:25:10</td></tr></table>",
        "<p>金额 ¥1299.00</p>",
        '<body hx-headers=\'{"X-CSRF-Token": "x"}\'><script>var a = {"b": "open"};</script></body>',
        "<p>Online 24/7, ask me anything</p>",
        "<p>{{ticket.id}} 您好</p>",
        "<p>linxiao@example.cn</p>",
        "<td>“解决了”、“solved”、“that works”</td>",
    ]
    for html in good:
        assert check_html(html) == [], html
