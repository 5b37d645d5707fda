"""NPS campaigns (季度满意度调查), part of the survey service: a segment (tiers, recent contact)
asked again every `interval_days`. The invitations go through the outreach engine — its
`survey` journeys say the channel and the text — so consent, unsubscribes, the address on the
channel, quiet hours, caps, tracking and the send log hold for them as for any message.

Each run serves one round (`round_at`, opened when `next_run_at` comes): a customer is asked
once per round (the survey's dedupe key and the send's idempotency key both name it), so a
run repeated by two workers, a retried job or "run now" pressed twice asks nobody twice;
"run now" between rounds asks only whoever joined the segment since. The very first round
may be started early by "run now" (the next one is then an interval later).
Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.customer.service import customer_service
from kefu.errors import Conflict, KefuError, NotFound
from kefu.kit.time import utcnow
from kefu.models import SurveyCampaign
from kefu.models.survey import SurveyKind
from kefu.outreach.service import outreach_service
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import CampaignCreate, CampaignUpdate, RunResult
from kefu.survey.service.base import SurveyBase, link_of, new_token

SEGMENT_BATCH = 500


def slot_key(slot: datetime) -> str:
    return slot.strftime("%Y%m%dT%H%M")


class CampaignMixin(SurveyBase):
    async def create_campaign(
        self, session: AsyncSession, principal: Principal, data: CampaignCreate
    ) -> SurveyCampaign:
        """A campaign, and (when the install has none) the default `survey` journey that
        carries its invitations: email, marketing (consent), the admin may edit or replace it."""
        require(principal, Perm.SETTINGS_MANAGE)
        campaign = SurveyCampaign(
            name=data.name,
            kind=SurveyKind.NPS,
            tiers=sorted(set(data.tiers)),
            last_contact_days=data.last_contact_days,
            interval_days=data.interval_days,
            next_run_at=data.first_run_at or utcnow(),
            questions=[q.model_dump() for q in data.questions],
            expires_days=data.expires_days,
            active=True,
            runs=0,
            created_by=principal.user_id or None,
            created_at=utcnow(),
        )
        if campaign.next_run_at.tzinfo is None:
            raise KefuError(
                "first_run_at 需要时区 / first_run_at needs a time zone", 422, code="naive_datetime"
            )
        session.add(campaign)
        await session.flush()
        await outreach_service.ensure_survey_journey(session, principal)
        return campaign

    async def update_campaign(
        self, session: AsyncSession, principal: Principal, campaign_id: int, data: CampaignUpdate
    ) -> SurveyCampaign:
        require(principal, Perm.SETTINGS_MANAGE)
        campaign = await self.campaign(session, principal, campaign_id)
        values = data.model_dump(exclude_unset=True)
        if "questions" in values and data.questions is not None:
            values["questions"] = [q.model_dump() for q in data.questions]
        if "tiers" in values and data.tiers is not None:
            values["tiers"] = sorted(set(data.tiers))
        for name, value in values.items():
            setattr(campaign, name, value)
        return campaign

    async def campaign(self, session: AsyncSession, principal: Principal, campaign_id: int) -> SurveyCampaign:
        require(principal, Perm.REPORTS_READ)
        campaign = await repo.campaign(session, campaign_id)
        if campaign is None:
            raise NotFound("调查活动不存在 / campaign not found")
        return campaign

    async def campaigns(self, session: AsyncSession, principal: Principal) -> Sequence[SurveyCampaign]:
        require(principal, Perm.REPORTS_READ)
        return await repo.campaigns(session)

    async def run_due(self, session: AsyncSession, now: datetime | None = None) -> list[RunResult]:
        """The hourly job: every due campaign. Without an active survey invitation journey a
        campaign waits (its date is kept) rather than spend its round on nobody."""
        now = now or utcnow()
        if not await outreach_service.survey_journeys_active(session):
            return []
        return [
            r
            for cid in await repo.due_campaigns(session, now)
            if (r := await self.run_campaign(session, cid, now))
        ]

    async def run_campaign(
        self, session: AsyncSession, campaign_id: int, now: datetime | None = None, *, force: bool = False
    ) -> RunResult | None:
        """One run of the current round: each customer of the segment whom an active
        survey journey reaches gets one NPS link, through the engine. The campaign row is
        locked, so two workers never serve the same slot at once; None: inactive or not due."""
        now = now or utcnow()
        campaign = await repo.campaign(session, campaign_id, lock=True)
        if campaign is None or not campaign.active or (not force and campaign.next_run_at > now):
            return None
        if not await outreach_service.survey_journeys_active(session):
            raise Conflict(
                "no active survey invitation journey: create or switch one on under Outreach",
                code="no_survey_journey",
            )
        slot = self._round(campaign, now)
        run = campaign.runs + 1
        sent = skipped = 0
        after = 0
        while True:
            batch = await outreach_service.survey_audience(
                session,
                tiers=list(campaign.tiers),
                contacted_within_days=campaign.last_contact_days,
                after_id=after,
                limit=SEGMENT_BATCH,
            )
            if not batch:
                break
            for customer_id in batch:
                if await self._invite(session, campaign, slot, run, customer_id):
                    sent += 1
                else:
                    skipped += 1
            after = batch[-1]
        campaign.runs = run
        campaign.last_run_at = now
        return RunResult(campaign_id=campaign.id, run=run, sent=sent, skipped=skipped)

    @staticmethod
    def _round(campaign: SurveyCampaign, now: datetime) -> datetime:
        """The round this run serves. A due date (or the very first run, even forced early)
        opens the round `next_run_at` and moves the date on by whole intervals (a long-stopped
        worker runs once, not once per missed round); "run now" between rounds serves the
        current round again, so only customers not asked in it yet are asked."""
        if campaign.round_at is not None and campaign.next_run_at > now:
            return campaign.round_at
        slot = campaign.next_run_at
        step = timedelta(days=campaign.interval_days)
        next_at = slot + step
        while next_at <= now:
            next_at += step
        campaign.round_at, campaign.next_run_at = slot, next_at
        return slot

    async def _invite(
        self, session: AsyncSession, campaign: SurveyCampaign, slot: datetime, run: int, customer_id: int
    ) -> bool:
        """One customer's survey and its invitation, once per slot: the survey row exists only
        when the engine planned the message (a refusal leaves no unanswerable survey behind)."""
        key = f"campaign:{campaign.id}:{slot_key(slot)}:{customer_id}"
        if await repo.by_key(session, key) is not None:
            return False  # asked in this slot already
        token = new_token()
        channel = await outreach_service.survey_invitation(
            session, customer_id, f"survey:{campaign.id}:{slot_key(slot)}", link_of(token)
        )
        if channel is None:
            return False
        customer = await customer_service.get(session, None, customer_id)
        await self._create(
            session,
            key=key,
            kind=campaign.kind,
            channel=channel,
            customer_id=customer_id,
            campaign_id=campaign.id,
            campaign_run=run,
            expires_days=campaign.expires_days,
            locale=customer.locale,
            token=token,
        )
        return True
