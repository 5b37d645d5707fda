"""Where a handed-off conversation waits and for whom (routing.placement, pure): one test
per rule — the queue asked for, the VIP queue, the default group, the sticky agent (advisor
first, then the recent owner), how long they are awaited, and the tier's boost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kefu.routing.placement import (
    Placement,
    place,
    queue_group,
    queue_name,
    sticky_agent,
    sticky_since,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
VIP = "VIP专席"


class TestWhichQueue:
    def test_a_group_given_by_id_needs_no_lookup_even_for_a_vip(self) -> None:
        assert queue_name(group_id=7, group_name="售后", priority_queue=True, vip_group=VIP) is None

    def test_the_group_the_bot_asked_for_wins_over_the_vip_queue(self) -> None:
        assert queue_name(group_id=None, group_name="售后", priority_queue=True, vip_group=VIP) == "售后"

    def test_a_tier_with_the_priority_queue_goes_to_the_vip_group(self) -> None:
        assert queue_name(group_id=None, group_name=None, priority_queue=True, vip_group=VIP) == VIP

    def test_other_tiers_and_an_unset_vip_group_wait_in_the_default_group(self) -> None:
        assert queue_name(group_id=None, group_name=None, priority_queue=False, vip_group=VIP) is None
        assert queue_name(group_id=None, group_name="", priority_queue=True, vip_group="") is None

    def test_the_group_given_then_the_named_one_then_the_default(self) -> None:
        assert queue_group(3, 5, 9) == 3
        assert queue_group(None, 5, 9) == 5
        assert queue_group(None, None, 9) == 9  # a name no group has: the default group
        assert queue_group(None, None, None) is None  # no group at all yet


class TestStickyAgent:
    def test_the_dedicated_advisor_comes_before_the_recent_owner(self) -> None:
        assert sticky_agent(advisor_id=11, recent_owner_id=22) == 11

    def test_without_an_advisor_the_recent_owner_is_awaited(self) -> None:
        assert sticky_agent(advisor_id=None, recent_owner_id=22) == 22

    def test_a_new_customer_waits_for_nobody_in_particular(self) -> None:
        assert sticky_agent(advisor_id=None, recent_owner_id=None) is None

    def test_a_ticket_counts_as_recent_for_thirty_days(self) -> None:
        assert sticky_since(NOW) == NOW - timedelta(days=30)


class TestPlace:
    def test_the_sticky_agent_is_awaited_for_the_groups_sticky_wait(self) -> None:
        placed = place(group_id=4, routing_boost=0, sticky_agent_id=11, sticky_wait_seconds=90, now=NOW)
        assert placed == Placement(
            group_id=4, priority=0, sticky_agent_id=11, sticky_until=NOW + timedelta(seconds=90)
        )

    def test_a_group_without_a_sticky_wait_waits_the_default_minute(self) -> None:
        placed = place(group_id=4, routing_boost=0, sticky_agent_id=11, sticky_wait_seconds=None, now=NOW)
        assert placed.sticky_until == NOW + timedelta(seconds=60)

    def test_a_zero_sticky_wait_means_anyone_at_once(self) -> None:
        placed = place(group_id=4, routing_boost=0, sticky_agent_id=11, sticky_wait_seconds=0, now=NOW)
        assert placed.sticky_agent_id == 11 and placed.sticky_until == NOW

    def test_nobody_awaited_means_no_deadline(self) -> None:
        placed = place(group_id=4, routing_boost=0, sticky_agent_id=None, sticky_wait_seconds=90, now=NOW)
        assert placed.sticky_agent_id is None and placed.sticky_until is None

    def test_the_tiers_boost_is_the_place_in_the_queue(self) -> None:
        vip = place(group_id=4, routing_boost=30, sticky_agent_id=None, sticky_wait_seconds=None, now=NOW)
        plain = place(group_id=4, routing_boost=0, sticky_agent_id=None, sticky_wait_seconds=None, now=NOW)
        assert vip.priority == 30 and plain.priority == 0
