"""Server-rendered pages (Jinja2 + HTMX) by audience: agent, supervisor, admin, portal."""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
