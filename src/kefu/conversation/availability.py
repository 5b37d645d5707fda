"""When the widget talks to whom: the bot answers 7×24 unless an admin turned it off; the
agents' business hours only decide whether a hand-off reaches a person now or becomes a
message. The admin switches are stored in the database (setting "chat")."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.conversation import repository as repo
from kefu.conversation.bot_slot import greeting
from kefu.conversation.schemas import ChatSettings, WidgetStatus
from kefu.incident.service import incident_service
from kefu.routing.service import routing_service
from kefu.team.service import team_service

SETTINGS_KEY = "chat"


class AvailabilityService:
    async def settings(self, session: AsyncSession) -> ChatSettings:
        stored = await repo.setting(session, SETTINGS_KEY)
        data = ChatSettings.model_validate(stored) if stored else ChatSettings()
        server = current_settings()  # what an admin has not saved yet
        return data.model_copy(
            update={
                "bot_idle_minutes": data.bot_idle_minutes or server.chat_bot_idle_minutes,
                "human_idle_minutes": data.human_idle_minutes or server.chat_idle_minutes,
            }
        )

    async def idle_minutes(self, session: AsyncSession) -> tuple[int, int]:
        """(bot-only, with an agent): a silent chat closes after this many minutes."""
        settings = await self.settings(session)
        server = current_settings()
        return (
            settings.bot_idle_minutes or server.chat_bot_idle_minutes,
            settings.human_idle_minutes or server.chat_idle_minutes,
        )

    async def save_settings(
        self, session: AsyncSession, principal: Principal, data: ChatSettings
    ) -> ChatSettings:
        require(principal, Perm.SETTINGS_MANAGE)
        await repo.save_setting(session, SETTINGS_KEY, data.model_dump(mode="json"))
        return data

    def bot_answers(self, settings: ChatSettings, is_open: bool) -> bool:
        return settings.bot_enabled and (is_open or settings.after_hours == "bot")

    async def widget_status(self, session: AsyncSession, locale: str) -> WidgetStatus:
        settings = await self.settings(session)
        default = await team_service.default_group(session)
        # The default group's agent hours (its own, else the default schedule).
        opens_at = await routing_service.next_opening(session, default.id if default else None)
        is_open = opens_at is None
        agents = await routing_service.online_count(session, default.id) if default is not None else 0
        return WidgetStatus(
            open=is_open,
            opens_at=opens_at,
            bot=self.bot_answers(settings, is_open),
            agents_online=agents,
            greeting=greeting(locale),
            banner=await incident_service.banner(session),
        )


availability_service = AvailabilityService()
