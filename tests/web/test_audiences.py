"""Pages live in kefu.web by audience (public, agent, supervisor, admin, portal): a page's
address and its package agree, so /agent/... is found in kefu/web/agent/, and no page is
served from anywhere else."""

from __future__ import annotations

from collections import Counter

from fastapi.routing import APIRoute

from kefu import registry

AUDIENCES = {"public", "agent", "supervisor", "admin", "portal"}
# First path segment -> the audiences whose pages live there; any other address is public.
AREAS = {
    "agent": {"agent"},
    "me": {"agent"},
    "training": {"agent", "supervisor"},  # 我的学习 for agents, grading and reports for supervisors
    "supervisor": {"supervisor"},
    "reports": {"supervisor"},
    "improvements": {"supervisor"},
    "wfm": {"supervisor"},
    "admin": {"admin"},
    "portal": {"portal"},
    "partner": {"portal"},  # the service partners' portal
}
NOT_PAGES = ("/api/", "/ws/", "/demo-erp/", "/healthz", "/readyz")


def _routes() -> list[tuple[str, APIRoute]]:
    """(module that declares the router, route) for every route the app serves; a CRUD view's
    routes count for the module that mounts them, not for kefu.web.crud."""
    specs = registry.ROUTERS + registry.DEMO_ROUTERS
    out = []
    for spec, router in zip(specs, registry.routers(demo=True), strict=True):
        module = spec.partition(":")[0]
        out += [(module, route) for route in router.routes if isinstance(route, APIRoute)]
    return out


def test_every_page_is_in_the_package_of_its_audience() -> None:
    wrong = []
    for module, route in _routes():
        if not module.startswith("kefu.web."):
            continue
        audience = module.split(".")[2]  # kefu.web.<audience>[.<page>]
        area = route.path.strip("/").split("/")[0]
        if audience not in AUDIENCES or audience not in AREAS.get(area, {"public"}):
            wrong.append(f"{route.path} in {module}")
    assert wrong == []


def test_pages_are_served_only_from_kefu_web() -> None:
    outside = [
        f"{route.path} in {module}"
        for module, route in _routes()
        if not route.path.startswith(NOT_PAGES) and not module.startswith("kefu.web.")
    ]
    assert outside == []


def test_no_address_is_served_twice() -> None:
    """A second route for the same method and path would never be reached."""
    seen = Counter((method, route.path) for _m, route in _routes() for method in route.methods)
    assert [key for key, n in seen.items() if n > 1] == []
