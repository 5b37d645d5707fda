"""Survey rules: who gets asked and when (solved ticket, ended chat, improvement follow-up,
NPS campaign through the outreach engine), one answer per survey, and the closed loop (a low
score opens a follow-up for the group's supervisor). One service composed by role:

- `base`: creating a survey once per key, its link, recording an answer;
- `asking`: CSAT for tickets and chats, the improvement follow-up question;
- `answering`: the public link (404 / 403 / 410 / 409);
- `reading`: search, response rates, scores for quality, training and improvements;
- `campaigns`: NPS campaigns and their invitations through outreach;
- `followups`: the supervisors' follow-ups.

Never commits: the caller owns the transaction."""

from __future__ import annotations

from kefu.survey.service.answering import AnsweringMixin
from kefu.survey.service.asking import CHAT_COVERS_TICKET, AskingMixin
from kefu.survey.service.base import Gone
from kefu.survey.service.campaigns import SEGMENT_BATCH, CampaignMixin
from kefu.survey.service.followups import FollowUpMixin
from kefu.survey.service.reading import ReadingMixin

__all__ = ["CHAT_COVERS_TICKET", "SEGMENT_BATCH", "Gone", "SurveyService", "survey_service"]


class SurveyService(AskingMixin, AnsweringMixin, ReadingMixin, CampaignMixin, FollowUpMixin):
    pass


survey_service = SurveyService()
