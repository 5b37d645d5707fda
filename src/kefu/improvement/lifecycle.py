"""An improvement item's status machine (pure): which moves are allowed, for which source.

open → in_progress → fixed → verified is the loop; a fixed item whose check fails goes back
to in_progress; rejected is for suggestions nobody takes up; closed drops an item without a
fix (duplicate, out of scope). verified, rejected and closed are final.
"""

from __future__ import annotations

from kefu.models.improvement import ItemSource, ItemStatus

S = ItemStatus
MOVES: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.FIXED, S.REJECTED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.FIXED, S.CLOSED}),
    S.FIXED: frozenset({S.IN_PROGRESS, S.VERIFIED}),
    S.VERIFIED: frozenset(),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
}
FINAL = frozenset({S.VERIFIED, S.REJECTED, S.CLOSED})
# Items that no longer count as due work (a dropped suggestion is not a failed fix).
DROPPED = frozenset({S.REJECTED, S.CLOSED})
# Moves the item's owner may make; everything else is a supervisor's (improvement.manage).
OWNER_MOVES = frozenset({(S.OPEN, S.IN_PROGRESS), (S.IN_PROGRESS, S.FIXED), (S.OPEN, S.FIXED)})


def N_(message: str) -> str:  # noqa: N802 - gettext marker
    return message


def problem(source: str, current: str, target: str) -> str | None:
    """Why `current → target` is not allowed (a message id), or None when it is."""
    if target not in MOVES:
        return N_("Unknown status.")
    if current == target:
        return N_("The item already has this status.")
    if target not in MOVES.get(current, frozenset()):
        return N_("This status change is not allowed.")
    if target == S.REJECTED and source != ItemSource.SUGGESTION:
        return N_("Only a suggestion can be rejected; close the item instead.")
    return None


def allowed(source: str, current: str) -> list[str]:
    """The statuses an item can move to next, in the loop's order."""
    order = [S.OPEN, S.IN_PROGRESS, S.FIXED, S.VERIFIED, S.REJECTED, S.CLOSED]
    return [str(t) for t in order if problem(source, current, t) is None]


def owner_may(current: str, target: str) -> bool:
    return (current, target) in OWNER_MOVES
