"""registry.py is hand-kept: these tests compare it with the tree, so a domain that forgets
its line fails here instead of silently losing its listeners, jobs or routes."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kefu import registry
from kefu.kit import events

SRC = Path(registry.__file__).resolve().parent
# Decorators and calls that register something when their module is imported.
REGISTERS = re.compile(
    r"^@(?:\w+\.)?(listener|on_commit|handler|io_handler|periodic)\(|^@register\b|intercept_all\(", re.M
)
ROUTER = re.compile(r"^router\s*(?::[^=]+)?=\s*APIRouter\(", re.M)


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> list[tuple[str, str]]:
    return [(_module(p), p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]


class TestRegistryMatchesTheTree:
    def test_every_module_that_registers_listeners_or_jobs_is_loaded(self) -> None:
        skip = {"kefu.kit.events", "kefu.kit.jobs", "kefu.registry"}  # the machinery itself
        missing = [
            m
            for m, text in _sources()
            if m not in skip and REGISTERS.search(text) and m not in registry.MODULES
        ]
        assert missing == [], f"add these to registry.MODULES: {missing}"

    def test_every_router_is_served(self) -> None:
        served = {spec.partition(":")[0] for spec in registry.ROUTERS + registry.DEMO_ROUTERS}
        missing = [m for m, text in _sources() if ROUTER.search(text) and m not in served]
        assert missing == [], f"add these to registry.ROUTERS: {missing}"

    def test_no_stale_entries(self) -> None:
        names = {m for m, _ in _sources()}
        stale = [m for m in registry.MODULES if m not in names]
        stale += [s for s in registry.ROUTERS + registry.DEMO_ROUTERS if s.partition(":")[0] not in names]
        assert stale == []


class TestPublishNeedsTheRegistry:
    async def test_publish_before_load_all_is_refused(self, session: object) -> None:
        from kefu.ticket.events import TicketCreated

        was = events._registry_loaded
        events._registry_loaded = False
        try:
            with pytest.raises(RuntimeError, match="registry"):
                await events.publish(session, TicketCreated.model_construct())  # type: ignore[arg-type]
        finally:
            events._registry_loaded = was


class TestStartupImports:
    def test_loading_the_registry_leaves_the_ml_libraries_for_first_use(self) -> None:
        """Every CLI command and server start loads the whole registry; sklearn, scipy,
        pypinyin and onnxruntime cost seconds of CPU to import and only training, the
        encoder and pinyin matching need them, so they load on first use."""
        code = (
            "import sys; from kefu import registry; registry.load_all(); registry.routers(demo=True); "
            "print(sorted(m for m in ('sklearn', 'scipy', 'pypinyin', 'onnxruntime') if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        assert out.stdout.strip() == "[]"

    def test_a_server_preloads_every_library_imported_on_first_use(self) -> None:
        """nlp.preload() is what servers and workers import before serving; a function-level
        import of sklearn/scipy that it misses would be imported on the event loop by the
        first request that needs it and stall the whole process for seconds."""
        lazy: set[str] = set()
        for path in SRC.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(fn):
                    names = (
                        [a.name for a in node.names]
                        if isinstance(node, ast.Import)
                        else [node.module or ""]
                        if isinstance(node, ast.ImportFrom) and node.level == 0
                        else []
                    )
                    lazy.update(n for n in names if n.split(".")[0] in ("sklearn", "scipy"))
        assert "sklearn.svm" in lazy  # the scan sees the intent model's own import
        code = (
            "import sys; from kefu.nlp.preload import preload; preload(); "
            f"print(sorted(m for m in {sorted(lazy)!r} if m not in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        assert out.stdout.strip() == "[]", f"add these to kefu/nlp/preload.py: {out.stdout}"


class TestRouteOrder:
    def test_no_route_hides_a_route_served_after_it(self) -> None:
        """Requests walk the routes in registry order and the first match wins: a route
        whose pattern also matches a later route's path (same method) makes that one
        unreachable. The order is chosen for speed (chat first), so it must stay harmless."""
        from fastapi.routing import APIRoute, APIWebSocketRoute
        from starlette.routing import compile_path

        from kefu.app import create_app
        from tests.conftest import make_settings

        def flat(items: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
            out: list[tuple[str, Any]] = []
            for item in items:
                inner = getattr(item, "original_router", None)  # FastAPI's included router
                if inner is not None:
                    out += flat(inner.routes, prefix + (item.include_context.prefix or ""))
                else:
                    out.append((prefix, item))
            return out

        app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
        routes = [
            (prefix + r.path, frozenset(r.methods) if isinstance(r, APIRoute) else frozenset({"WS"}))
            for prefix, r in flat(list(app.routes))
            if isinstance(r, APIRoute | APIWebSocketRoute)
        ]
        assert len(routes) > 500  # every router's routes, not only the app's own
        hidden = []
        for i, (path, methods) in enumerate(routes):
            pattern = compile_path(path)[0]
            for later, later_methods in routes[i + 1 :]:
                sample = re.sub(r"\{[^}:]+(:[^}]+)?\}", "1", later)  # a request for the later route
                if later != path and methods & later_methods and pattern.match(sample):
                    hidden.append(f"{path} hides {later}")
        assert hidden == []
