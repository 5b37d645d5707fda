"""The realtime bus's channel names, in one place: every publisher and every socket that
subscribes takes its channel from here (the bus carries hints only; docs/chat-protocol.md
describes the sockets). Redis prefixes them with the install's namespace (kit.realtime).

- `conversation(id)` ("conv:{id}"): one conversation — its customer's socket listens (messages
  that are not internal, queue position, assignment, the agent's typing and read receipts,
  closed).
- `user(id)` ("user:{id}"): one staff member's sockets — the messages of the conversations
  assigned to them, assignments, presence, the customer's typing and read receipts, screen
  pops, ticket notices, follow-ups.
- `group(id)` ("group:{id}"): the members of a group (announcements to the group).
- `STAFF` ("staff"): every workspace (announcements to everyone).
- `SUPERVISORS` ("supervisors"): the sockets of staff who read reports — queue changes,
  escalations, survey answers, missed goals.
- `JOBS` ("jobs"): not a socket's — a job was committed to the queue; job workers in other
  processes (`kefu worker`) claim at once instead of at their next poll (kit.jobs).
"""

from __future__ import annotations

from collections.abc import Iterable

STAFF = "staff"
SUPERVISORS = "supervisors"
JOBS = "jobs"


def conversation(conversation_id: int) -> str:
    return f"conv:{conversation_id}"


def user(user_id: int) -> str:
    return f"user:{user_id}"


def group(group_id: int) -> str:
    return f"group:{group_id}"


def workspace(user_id: int, group_ids: Iterable[int], *, supervisor: bool) -> list[str]:
    """What a full agent workspace listens to: its own channel, everyone's, its groups', and
    the supervisors' channel for those who read reports."""
    channels = [user(user_id), STAFF, *(group(g) for g in sorted(group_ids))]
    if supervisor:
        channels.append(SUPERVISORS)
    return channels
