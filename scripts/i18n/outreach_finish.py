"""Chinese UI strings of outreach, third part: the 服务升级报告's figure labels, the outbox page
(外发消息: statuses, delivery and the reasons a send was skipped or failed), survey
invitations through the engine, WeChat delivery receipts, the portal's 我的通知设置 and the
referral form's rate limit."""

_FIGURES = {
    "first_reply_seconds_p50": ("首次回复时间（中位数）", "First reply time (median)"),
    "resolution_seconds_p50": ("问题解决时间（中位数）", "Resolution time (median)"),
    "csat": ("满意度（1–5 分）", "Satisfaction (1–5)"),
    "fcr_rate": ("一次解决率", "First-contact resolution"),
}
_KEYS = {
    **{f"report_figure_{k}": v for k, v in _FIGURES.items()},
}

ZH = {
    **{k: v[0] for k, v in _KEYS.items()},
    "(contacts about it a day: {before} before, {after} after)": "（相关咨询：改进前每天 {before} 次，改进后每天 {after} 次）",
    "no active survey invitation journey: create or switch one on under Outreach": (
        "没有启用的「满意度调研邀请」旅程：请在「主动触达」中创建或启用后再发送调查"
    ),
    # the referral sign-up's limit (kefu.web.public.referral.TOO_MANY)
    "Too many sign-ups from your network. Please wait a minute and try again.": (
        "提交过于频繁，请一分钟后再试。"
    ),
}

EN = {k: v[1] for k, v in _KEYS.items()}

DYNAMIC = [
    *_KEYS,
    "Too many sign-ups from your network. Please wait a minute and try again.",
]
