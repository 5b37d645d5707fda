"""The admin area's navigation: every admin page, in sections an admin scans (团队, 渠道 …).

One list, so a page cannot exist without a way to reach it: `tests/web/test_admin_nav.py`
fails when an admin list page is missing here. Labels are message ids (translated when
rendered); the base template shows the sections under the top bar on /admin pages."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the marker the message extraction looks for
    return message


ADMIN_SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        N_("Team"),
        [
            ("/admin/users", N_("Staff")),
            ("/admin/groups", N_("Groups")),
            ("/admin/schedules", N_("Business hours")),
            ("/admin/chat", N_("Chat availability")),
        ],
    ),
    (
        N_("Service rules"),
        [
            ("/admin/ticket-settings", N_("Ticket settings")),
            ("/admin/sla-policies", N_("SLA policies")),
            ("/admin/macros", N_("Macros")),
            ("/admin/triggers", N_("Triggers and automations")),
            ("/admin/quality", N_("Quality rules")),
            ("/admin/goals", N_("Service goals")),
        ],
    ),
    (
        N_("Channels"),
        [
            ("/admin/email-addresses", N_("Email addresses")),
            ("/admin/mail", N_("Email channel")),
            ("/admin/wechat-accounts", N_("WeChat official accounts")),
            ("/admin/phone-lines", N_("Phone lines")),
        ],
    ),
    (N_("Bot and knowledge"), [("/admin/kb", N_("Knowledge base")), ("/admin/bot", N_("Bot"))]),
    (
        N_("Customer care"),
        [
            ("/admin/surveys", N_("Surveys")),
            ("/admin/survey-campaigns", N_("Survey campaigns")),
            ("/admin/tiers", N_("Loyalty tiers")),
            ("/admin/loyalty-programme", N_("Member rewards")),
            ("/admin/compensation", N_("Compensation rules")),
            ("/admin/outreach", N_("Outreach journeys")),
            ("/admin/outreach-settings", N_("Outreach settings")),
            ("/admin/service-reports", N_("Service upgrade reports")),
        ],
    ),
    (
        N_("Improvement"),
        [
            ("/admin/improvement-departments", N_("Responsible departments")),
            ("/admin/improvement-integrations", N_("R&D integrations")),
        ],
    ),
    (
        N_("Training"),
        [
            ("/admin/training-paths", N_("Learning paths")),
            ("/admin/training-steps", N_("Learning steps")),
            ("/admin/training-exams", N_("Exams")),
            ("/admin/training-questions", N_("Exam questions")),
            ("/admin/training-mentors", N_("Mentors")),
        ],
    ),
    (N_("System"), [("/admin/jobs", N_("Background jobs"))]),
]
