"""Reading an export directory: one API response body per file, pages numbered `name.N.json`.
A file that is not JSON or lacks the expected list is reported and skipped, never fatal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kefu.importer.schemas import Problem

_PAGE = re.compile(r"^(?P<name>.+?)(?:\.(?P<n>\d+))?\.json$")
MAX_FILE_BYTES = 200 * 1024 * 1024  # one API page is far smaller; refuse runaway files


def page_files(root: Path, name: str) -> list[Path]:
    """`name.json` and `name.N.json` under root, in page order (1, 2, … 10, not 1, 10, 2)."""
    if not root.is_dir():
        return []
    found: list[tuple[int, Path]] = []
    for path in root.iterdir():
        m = _PAGE.match(path.name)
        if m and m.group("name") == name and path.is_file():
            found.append((int(m.group("n") or 0), path))
    return [p for _n, p in sorted(found)]


def load(path: Path, root: Path) -> tuple[Any, Problem | None]:
    rel = str(path.relative_to(root))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, Problem(rel, "file too large")
        return json.loads(path.read_text(encoding="utf-8-sig")), None
    except UnicodeDecodeError:
        return None, Problem(rel, "not UTF-8 text")
    except json.JSONDecodeError as exc:
        return None, Problem(rel, f"malformed JSON: {exc.msg} at line {exc.lineno}")
    except OSError as exc:
        return None, Problem(rel, f"unreadable: {exc.strerror}")


Extract = Callable[[Any], list[Any] | None]


def key(*path: str) -> Extract:
    """The list under a wrapper key path (`users`, `data.payload`); a bare list passes."""

    def extract(body: Any) -> list[Any] | None:
        node = body
        for k in path:
            if not isinstance(node, dict):
                return None
            node = node.get(k)
        return node if isinstance(node, list) else None

    return extract


def bare_or(*path: str) -> Extract:
    """Chatwoot returns some lists bare (`teams`, `agents`) and some wrapped (`payload`)."""
    wrapped = key(*path)

    def extract(body: Any) -> list[Any] | None:
        return body if isinstance(body, list) else wrapped(body)

    return extract


def items(
    root: Path, files: list[Path], extract: Extract, problems: list[Problem]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of every page as (file, item); non-objects are reported."""
    for path in files:
        rel = str(path.relative_to(root))
        body, problem = load(path, root)
        if problem is not None:
            problems.append(problem)
            continue
        rows = extract(body)
        if rows is None:
            problems.append(Problem(rel, "unexpected shape: the expected list is missing"))
            continue
        for row in rows:
            if isinstance(row, dict):
                yield rel, row
            else:
                problems.append(Problem(rel, "a list entry is not an object"))
