"""Chinese UI strings of outreach (主动触达): the journeys admin page, the preview and test
send, the unsubscribe page and the errors."""

_MONTHS = ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"]
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

ZH = {
    "Outreach journeys": "主动触达",
    "journey": "触达旅程",
    "Journey": "旅程",
    "Trigger": "触发条件",
    "Journey name": "旅程名称",
    "Kind of message": "消息类型",
    "Reachable now": "当前可触达",
    "None ticked: every tier.": "不勾选即所有等级。",
    "Bought within (days)": "最近购买（天内）",
    "No purchase for (days)": "未购买（天以上）",
    "Any month": "不限月份",
    "Contacted us within (days)": "最近联系过（天内）",
    "No contact for (days)": "未联系（天以上）",
    "Subject (Chinese)": "标题（中文）",
    "Message (Chinese)": "正文（中文）",
    "Subject (English)": "标题（英文）",
    "Message (English)": "正文（英文）",
    "Empty: English speakers get the Chinese text.": "留空则英文客户也收到中文内容。",
    "WeChat template id": "微信模板ID",
    "For WeChat template messages only.": "仅用于微信模板消息。",
    "Apology coupon (CNY)": "致歉优惠券（元）",
    "Shipment delays only; empty for no coupon.": "仅用于物流延误；留空则不发券。",
    "Coupon valid for (days)": "优惠券有效期（天）",
    "Marketing goes only to customers who consented; service notices are about their own account.": (
        "营销消息只发给已同意接收的客户；服务通知是关于客户自己账户的消息。"
    ),
    "Placeholders: {name} {tier} {points} {coupon_amount} {benefit} {order_ref} {promised_at} "
    "{company} {unsubscribe_url}": (
        "可用占位符：{name} 姓名、{tier} 等级、{points} 积分、{coupon_amount} 券面额、{benefit} 等级权益、"
        "{order_ref} 订单号、{promised_at} 承诺送达日、{company} 公司名、{unsubscribe_url} 退订链接"
    ),
    "Unknown placeholder. Use only the placeholders listed below the field.": (
        "包含未知占位符，只能使用字段下方列出的占位符。"
    ),
    "Messages kefu sends by itself: notices about a customer's own coupons, points, tier and "
    "deliveries (service), and greetings and campaigns (marketing: only with the customer's "
    "consent, with an unsubscribe link). Quiet hours and caps apply; each occurrence is sent once.": (
        "系统主动发送的消息：关于客户自己优惠券、积分、等级和物流的通知（服务类），以及问候和营销活动"
        "（营销类：仅发给已同意的客户，并附退订链接）。遵守免打扰时段和频次上限；同一事件只发送一次。"
    ),
    "outreach_trigger_coupon_issued": "优惠券到账",
    "outreach_trigger_points_credited": "积分到账",
    "outreach_trigger_tier_changed": "会员等级变化",
    "outreach_trigger_birthday": "生日问候",
    "outreach_trigger_shipment_delayed": "物流延误致歉",
    "outreach_trigger_campaign": "营销活动（手动发送）",
    "outreach_channel_email": "邮件",
    "outreach_channel_sms": "短信",
    "outreach_channel_wechat": "微信模板消息",
    "outreach_purpose_service": "服务通知",
    "outreach_purpose_marketing": "营销",
    "All customers": "全部客户",
    "bought in the last {n} days": "最近 {n} 天内购买过",
    "no purchase in {n} days": "{n} 天未购买",
    "birthday in {month}": "{month}生日",
    "contacted in the last {n} days": "最近 {n} 天联系过",
    "no contact in {n} days": "{n} 天未联系",
    "Audience": "受众",
    "Reachable now: {n} customers": "当前可触达 {n} 位客户",
    "Preview": "预览",
    "Sample customer id": "示例客户 ID",
    "Show preview": "预览",
    "As {trigger} would send it to customer {id}": "按「{trigger}」发给客户 {id} 的内容",
    "Test send": "测试发送",
    "Test message queued to {to}": "测试消息已排队发送至 {to}",
    "Send to (email, mobile or WeChat openid)": "发送到（邮箱、手机号或微信 openid）",
    "Send test": "发送测试",
    "Enter the address to send the test to.": "请填写测试接收地址。",
    "Unsubscribe": "退订",
    "You are unsubscribed": "退订成功",
    "You will receive no more marketing messages from us. Notices about your own orders, points "
    "and coupons still reach you.": "您将不再收到我们的营销消息。与您本人订单、积分和优惠券相关的服务通知仍会照常发送。",
    "This link is not valid": "链接无效",
    "Please use the link in the message you received.": "请使用您收到的消息中的链接。",
    # errors
    "journey {id} not found": "旅程 {id} 不存在",
    "customer not found": "客户不存在",
    "invalid unsubscribe link": "退订链接无效",
    "only a campaign is launched by hand": "只有营销活动可以手动发送",
    "the journey is deactivated": "该旅程已停用",
    "the campaign was sent already": "该活动已发送过",
    "to: an email address is needed": "请填写邮箱地址",
    **{f"month_{i + 1}": m for i, m in enumerate(_MONTHS)},
}

EN = {
    "outreach_trigger_coupon_issued": "Coupon credited",
    "outreach_trigger_points_credited": "Points credited",
    "outreach_trigger_tier_changed": "Tier changed",
    "outreach_trigger_birthday": "Birthday greeting",
    "outreach_trigger_shipment_delayed": "Shipment delay apology",
    "outreach_trigger_campaign": "Campaign (sent by hand)",
    "outreach_channel_email": "Email",
    "outreach_channel_sms": "SMS",
    "outreach_channel_wechat": "WeChat template message",
    "outreach_purpose_service": "Service notice",
    "outreach_purpose_marketing": "Marketing",
    **{f"month_{i + 1}": m for i, m in enumerate(_MONTHS_EN)},
}

DYNAMIC = [*(f"month_{i}" for i in range(1, 13))]
