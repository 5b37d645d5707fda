"""The realtime channel names: what publishers and sockets agree on (a Redis subscriber of
another process, or an older one during a rolling restart, listens on exactly these), and
that nobody spells one out by hand instead of asking kit.channels."""

from __future__ import annotations

import ast
from pathlib import Path

from kefu.kit import channels

SRC = Path(__file__).resolve().parents[2] / "src" / "kefu"


def test_the_channel_names() -> None:
    assert channels.conversation(42) == "conv:42"
    assert channels.user(7) == "user:7"
    assert channels.group(3) == "group:3"
    assert (channels.STAFF, channels.SUPERVISORS) == ("staff", "supervisors")


def test_a_workspace_listens_to_its_own_everyones_and_its_groups_channels() -> None:
    assert channels.workspace(7, {5, 2}, supervisor=False) == ["user:7", "staff", "group:2", "group:5"]
    assert channels.workspace(7, (), supervisor=True) == ["user:7", "staff", "supervisors"]


def test_every_publisher_and_subscriber_takes_its_channel_from_kit_channels() -> None:
    """A `publish(...)`/`subscribe(...)` whose channel is a string literal or an f-string
    would be a second spelling of a channel name (the bus's own plumbing excepted)."""
    by_hand = []
    for path in SRC.rglob("*.py"):
        if path.name == "realtime.py" and path.parent.name == "kit":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"publish", "subscribe"}
                and node.args
                and isinstance(node.args[0], ast.JoinedStr | ast.Constant)
            ):
                by_hand.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert by_hand == []
