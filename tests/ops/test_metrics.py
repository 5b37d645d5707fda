"""`/metrics` shows queue depth, job lag, chats waiting, SLA breaches and bot containment from
the database; the Grafana dashboard, the alert rules and docs/monitoring.md name only metrics
kefu exposes (on both backends)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from kefu.kit.db import Database
from kefu.kit.jobs import Job
from kefu.kit.time import utcnow
from kefu.models import Conversation, SlaEvent
from kefu.ops import metrics as ops_metrics
from tests.conftest import ROOT, make_settings
from tests.factories import make_group, make_ticket

MONITORING = ROOT / "deploy" / "monitoring"
SUFFIXES = ("_bucket", "_count", "_sum", "_created", "_total")
BUILTIN = {"up"}  # Prometheus' own series


@pytest.fixture
async def app(db: Database) -> Any:
    """The app with /metrics open to the scraper on loopback (closed by default)."""
    from kefu.app import create_app

    application = create_app(make_settings(db.url, metrics_allow=["127.0.0.0/8"]))
    async with application.router.lifespan_context(application):
        yield application


async def _scrape(client: httpx.AsyncClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    ops_metrics._last_refresh = 0.0  # the business gauges are cached between scrapes
    text = (await client.get("/metrics")).text
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        out.setdefault(family.name, {})  # a labelled gauge with no series yet is still declared
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def _names_in(expr: str) -> set[str]:
    words = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b(?=\s*[{\[(]|\s*[)><=!]|\s*$|\s)", expr))
    return {w for w in words if w.startswith(("kefu_", "process_", "python_")) or w in BUILTIN}


def _exposed(scraped: dict[str, Any]) -> set[str]:
    names = set(scraped)
    for name in list(names):
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                names.add(name.removesuffix(suffix))
    return names | BUILTIN


class TestMetricsEndpoint:
    async def test_gauges_read_from_the_database(self, db: Database, client: httpx.AsyncClient) -> None:
        now = utcnow()
        async with db.transaction() as s:
            group = await make_group(s, name="指标组")
            ticket = await make_ticket(s)
            s.add(Job(name="late.job", payload={}, status="queued", run_at=now - timedelta(minutes=10)))
            s.add(Job(name="later.job", payload={}, status="queued", run_at=now + timedelta(hours=1)))
            s.add(Conversation(status="queued", group_id=group.id, queued_at=now, channel="chat"))
            s.add(Conversation(status="closed", channel="chat", closed_at=now, first_queued_at=now))
            for _ in range(3):
                s.add(Conversation(status="closed", channel="chat", closed_at=now))
            s.add(SlaEvent(ticket_id=ticket.id, metric="first_reply", kind="breach", due_at=now))
        m = await _scrape(client)
        assert 590 <= m["kefu_job_lag_seconds"][()] < 1200  # the due job, not the future one
        assert m["kefu_jobs"][(("status", "queued"),)] >= 2
        assert m["kefu_chat_waiting"][(("group_id", str(group.id)),)] == 1
        assert m["kefu_sla_breaches_last_hour"][()] == 1
        assert m["kefu_tickets_open"][(("status", "new"),)] >= 1
        assert m["kefu_bot_conversations_closed_24h"][()] == 4
        assert m["kefu_bot_containment_ratio"][()] == pytest.approx(0.75)


class TestStartUp:
    async def test_the_routing_warm_up_is_not_a_request(self, db: Database) -> None:
        """Start-up sends one unmatched request through the router (FastAPI compiles its
        route table then, not on a customer's request): no 404 is counted or logged for it."""
        from kefu.app import create_app
        from kefu.middleware import REQUESTS

        def not_found() -> float:
            return sum(
                s.value
                for metric in REQUESTS.collect()
                for s in metric.samples
                if s.name == "kefu_http_requests_total" and s.labels.get("status") == "404"
            )

        before = not_found()
        application = create_app(make_settings(db.url))
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/healthz")).status_code == 200
        assert not_found() == before


class TestDashboardAndRules:
    async def test_every_metric_referenced_exists(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")  # one request, so the request histograms have series
        exposed = _exposed(await _scrape(client))
        dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
        exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
        used = set().union(*(_names_in(e) for e in exprs))
        assert {"kefu_http_requests_total", "kefu_job_lag_seconds", "kefu_bot_containment_ratio"} <= used
        assert used - exposed == set()

    async def test_the_doc_lists_every_kefu_metric(self, client: httpx.AsyncClient) -> None:
        doc = (ROOT / "docs" / "monitoring.md").read_text()
        scraped = await _scrape(client)
        families = {n.removesuffix("_total") for n in scraped if n.startswith("kefu_")}
        families = {re.sub(r"_(bucket|count|sum|created)$", "", n) for n in families}
        missing = {n for n in families if n not in doc}
        assert missing == set()
