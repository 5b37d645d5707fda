"""Push announcements to staff sockets once the posting transaction has committed."""

from __future__ import annotations

from kefu.kit import channels, notice_frames
from kefu.kit.events import on_commit
from kefu.kit.realtime import get_bus
from kefu.notice.events import AnnouncementPosted


@on_commit(AnnouncementPosted)
async def push_announcement(event: AnnouncementPosted) -> None:
    channel = channels.group(event.group_id) if event.group_id is not None else channels.STAFF
    await get_bus().publish(
        channel,
        notice_frames.Announcement(
            type="announcement", text=event.text, author_name=event.author_name, group_id=event.group_id
        ),
    )
