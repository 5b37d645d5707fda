"""Enum labels looked up as `<kind>_<value>` by `kefu.kit.humanize.label` / the `label` filter.

Status, priority, channel, metric, tier and presence labels already live in i18n_zh.py and
channels.py; this file adds the kinds that had none (ticket type, emotion, background job,
sender, role, bot outcome, conversation status) and the duration wording of the pages.
"""

_LABELS: dict[str, tuple[str, str]] = {
    "type_question": ("咨询", "Question"),
    "type_incident": ("故障", "Incident"),
    "type_problem": ("问题", "Problem"),
    "type_task": ("任务", "Task"),
    "emotion_negative": ("负面", "Negative"),
    "emotion_neutral": ("平静", "Neutral"),
    "emotion_positive": ("正面", "Positive"),
    "sender_customer": ("客户", "Customer"),
    "sender_bot": ("机器人", "Bot"),
    "sender_agent": ("坐席", "Agent"),
    "sender_system": ("系统", "System"),
    "role_admin": ("管理员", "Admin"),
    "role_supervisor": ("主管", "Supervisor"),
    "role_agent": ("坐席", "Agent"),
    "role_customer": ("客户", "Customer"),
    "identity_email": ("邮箱", "Email"),
    "identity_phone": ("手机", "Phone"),
    "identity_wechat_openid": ("微信 OpenID", "WeChat OpenID"),
    "identity_wechat_unionid": ("微信 UnionID", "WeChat UnionID"),
    "identity_external_id": ("会员号", "Customer number"),
    "call_status_ringing": ("振铃中", "Ringing"),
    "call_status_answered": ("通话中", "Answered"),
    "call_status_ended": ("已结束", "Ended"),
    "call_status_missed": ("未接", "Missed"),
    "job_status_queued": ("排队中", "Queued"),
    "job_status_running": ("运行中", "Running"),
    "job_status_done": ("已完成", "Done"),
    "job_status_dead": ("失败", "Failed"),
    # Background jobs by registered name (kefu.kit.jobs); tests check every name has one.
    "job_analytics.refresh": ("刷新报表数据", "Refresh report data"),
    "job_analytics.refresh_days": ("重算报表日期", "Recompute report days"),
    "job_auth.purge_sessions": ("清理过期登录", "Purge expired sign-ins"),
    "job_automation.time_based": ("定时自动化", "Time-based automations"),
    "job_conversation.close_idle": ("关闭闲置会话", "Close idle chats"),
    "job_kefu.event_listener": ("事件处理", "Event handling"),
    "job_loyalty.expire_points": ("积分过期", "Expire points"),
    "job_loyalty.occasion_coupons": ("节日礼券", "Occasion coupons"),
    "job_loyalty.recalculate_tiers": ("重算会员等级", "Recalculate tiers"),
    "job_mail.poll_mailboxes": ("检查邮箱", "Poll mailboxes"),
    "job_mail.process": ("处理来信", "Process incoming mail"),
    "job_mail.fetch": ("收取邮件", "Fetch mail"),
    "job_mail.send": ("发送邮件", "Send mail"),
    "job_ops.purge_done_jobs": ("清理已完成任务", "Purge finished jobs"),
    "job_phone.check_missed": ("检查未接来电", "Check missed calls"),
    "job_privacy.retention": ("数据保留期清理", "Data retention"),
    "job_routing.route": ("分配会话", "Route a chat"),
    "job_routing.sweep": ("排队巡检", "Queue sweep"),
    "job_sla.scan": ("SLA 巡检", "SLA scan"),
    "job_survey.run_campaigns": ("发送调研", "Run survey campaigns"),
    "job_ticket.close_solved": ("关闭已解决工单", "Close solved tickets"),
    "job_bot.train": ("训练机器人", "Train the bot"),
    "job_webhook.deliver": ("推送 Webhook", "Deliver webhook"),
    "job_wechat.send": ("发送微信消息", "Send WeChat message"),
    "job_fieldservice.scan": ("工单派工巡检", "Field service scan"),
    "job_fieldservice.warranty_campaign": ("保修到期提醒", "Warranty reminders"),
    "job_fieldservice.forget_nonces": ("清理服务商签名记录", "Purge partner request nonces"),
    "job_routing.presence_sweep": ("在线状态巡检", "Presence sweep"),
    "job_triage.check": ("工单自动分类巡检", "Ticket triage scan"),
    "job_triage.classify": ("工单自动分类", "Classify a ticket"),
}

ZH = {k: v[0] for k, v in _LABELS.items()}
EN = {k: v[1] for k, v in _LABELS.items()}
DYNAMIC = list(_LABELS)
ZH["{h} h {m} min"] = "{h} 小时 {m} 分"
