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
_STAGES = {
    "waiting": ("等待发送", "Waiting"),
    "sent": ("已发送", "Sent"),
    "delivered": ("已送达", "Delivered"),
    "opened": ("已打开", "Opened"),
    "clicked": ("已点击", "Clicked"),
    "failed": ("发送失败", "Failed"),
    "skipped": ("未发送", "Not sent"),
}
_REASONS = {
    "unsubscribed": ("客户已退订", "The customer unsubscribed"),
    "no_consent": ("客户未同意接收营销消息", "No marketing consent"),
    "no_address": ("客户在该渠道没有联系方式", "No address on this channel"),
    "capped": ("超过发送频次上限", "Over the frequency cap"),
    "customer_gone": ("客户已删除", "The customer was erased"),
    "journey_inactive": ("旅程已停用", "The journey was switched off"),
    "channel_unconfigured": ("该渠道尚未配置", "The channel is not set up"),
    "service_off": ("客户关闭了该渠道的服务通知", "The customer turned service notices off"),
    "refused": ("渠道拒收（号码、地址或关注状态无效）", "The channel refused it"),
    "gave_up": ("多次重试仍失败", "Every retry failed"),
    "user_block": ("用户拒收公众号消息", "The follower blocks the account's messages"),
    "system_failed": ("微信系统原因发送失败", "WeChat failed to send it"),
}
_NOTIFY = {
    "email": ("邮件", "Email"),
    "sms": ("短信", "SMS"),
    "wechat": ("微信", "WeChat"),
    "app": ("App 推送", "App push"),
}
_KEYS = {
    **{f"report_figure_{k}": v for k, v in _FIGURES.items()},
    **{f"notify_channel_{k}": v for k, v in _NOTIFY.items()},
    **{f"outreach_stage_{k}": v for k, v in _STAGES.items()},
    **{f"outreach_reason_{k}": v for k, v in _REASONS.items()},
}

ZH = {
    **{k: v[0] for k, v in _KEYS.items()},
    "(contacts about it a day: {before} before, {after} after)": "（相关咨询：改进前每天 {before} 次，改进后每天 {after} 次）",
    "no active survey invitation journey: create or switch one on under Outreach": (
        "没有启用的「满意度调研邀请」旅程：请在「主动触达」中创建或启用后再发送调查"
    ),
    # the outbox page (外发消息)
    "Outgoing messages": "外发消息",
    "Every message kefu sent by itself (journeys, campaigns, survey invitations, the service report): "
    "how far it got, or why it was not sent.": (
        "系统主动发出的每条消息（触达旅程、营销活动、调查邀请、服务升级报告）：送达到哪一步，或为什么没有发送。"
    ),
    "Name or customer ID": "姓名或客户 ID",
    "{n} messages": "共 {n} 条消息",
    "Time": "时间",
    "Recipient": "发送到",
    "Why": "原因",
    "Opens / clicks": "打开 / 点击",
    "No messages match.": "没有符合条件的消息。",
    "Newer": "较新",
    "Older": "较早",
    # the portal's 我的通知设置
    "My notification settings": "我的通知设置",
    "Your choices are saved. They apply at once, also to messages already on their way.": (
        "已保存。设置立即生效，已在排队中的消息也会按新设置处理。"
    ),
    "Offers and greetings": "营销与关怀消息",
    "I agree to receive offers, birthday and holiday greetings, member content and survey invitations.": (
        "我同意接收优惠活动、生日与节日问候、会员专属内容和满意度调查邀请。"
    ),
    "We send these only with your agreement, and every one carries a link to stop them.": (
        "只有在您同意后我们才会发送，每条消息都附有退订链接。"
    ),
    "Through": "接收渠道",
    "Service notices": "服务通知",
    "Tell me about my own account and orders: points and coupons credited, delivery progress and "
    "delays, membership changes.": "通知我本人账户和订单的动态：积分和优惠券到账、物流进度与延误、会员等级变化。",
    "Replies to your own requests and sign-in codes are always sent.": "您本人咨询的回复和登录验证码始终会发送。",
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
