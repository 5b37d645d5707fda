"""Chinese UI strings of outreach, second part: tracking figures, the settings form, per-
channel unsubscribe, the new journeys' triggers and fields, app push, and the 服务升级报告."""

_HOLIDAYS = {
    "new_years_day": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "tomb_sweeping_day": ("清明节", "Qingming Festival"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat_festival": ("端午节", "Dragon Boat Festival"),
    "mid_autumn_festival": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
}
_TRIGGERS = {
    "shipment_milestone": ("物流节点（揽收/中转/派送）", "Logistics milestone"),
    "first_purchase": ("首次购买某产品线（上手指南）", "First purchase of a product line"),
    "anniversary": ("购买周年（感恩回馈）", "Purchase anniversary"),
    "monthly_content": ("每月内容推送", "Monthly content"),
    "holiday": ("节日问候", "Holiday greeting"),
    "survey": ("满意度调研邀请", "Survey invitation"),
    "service_report": ("服务升级报告发布", "Service upgrade report published"),
    "followup": ("后续步骤（延后发送）", "Follow-up step"),
}
_MILESTONES = {
    "picked_up": ("已揽收", "Picked up"),
    "in_transit": ("运输中（中转）", "In transit"),
    "out_for_delivery": ("派送中", "Out for delivery"),
}
_REPORT = {
    "draft": ("草稿", "Draft"),
    "approved": ("已审核", "Approved"),
    "published": ("已发布", "Published"),
}

ZH = {
    **{f"outreach_holiday_{k}": v[0] for k, v in _HOLIDAYS.items()},
    **{f"outreach_trigger_{k}": v[0] for k, v in _TRIGGERS.items()},
    **{f"outreach_milestone_{k}": v[0] for k, v in _MILESTONES.items()},
    **{f"report_status_{k}": v[0] for k, v in _REPORT.items()},
    "outreach_channel_app": "App 推送",
    "Placeholders: {name} {tier} {points} {coupon_amount} {benefit} {order_ref} {promised_at} "
    "{company} {unsubscribe_url} {articles} {milestone} {product_line} {years} {holiday} "
    "{survey_url} {report_url}": (
        "可用占位符：{name} 姓名、{tier} 等级、{points} 积分、{coupon_amount} 券面额、{benefit} 等级权益、"
        "{order_ref} 订单号、{promised_at} 承诺送达日、{company} 公司名、{unsubscribe_url} 退订链接、"
        "{articles} 知识库文章、{milestone} 物流节点、{product_line} 产品线、{years} 周年数、{holiday} 节日、"
        "{survey_url} 调研链接、{report_url} 服务升级报告链接"
    ),
    "Follows journey": "接在此旅程之后",
    "None (first step)": "无（第一步）",
    "Follow-up steps only: sent after that journey's message.": "仅用于后续步骤：在该旅程的消息之后发送。",
    "Days after the previous step": "上一步之后（天）",
    "Knowledge-base collection": "知识库分类",
    "Its newest published articles fill {articles} (onboarding guides, monthly content).": (
        "该分类最新发布的文章填入 {articles}（上手指南、每月内容）。"
    ),
    "Product line": "产品线",
    "First purchase: empty means every product line.": "首次购买：留空表示所有产品线。",
    "Holiday": "节日",
    "None": "无",
    "Logistics milestone": "物流节点",
    "Every milestone": "所有节点",
    "Results": "效果",
    "Sent": "已发送",
    "Delivered": "已送达",
    "Opened": "已打开",
    "Clicked": "已点击",
    "Unsubscribed": "已退订",
    "Skipped": "已跳过",
    "Failed": "失败",
    "Delivered: accepted by the mail server or confirmed by the SMS, WeChat or app provider. "
    "Opened: the mail's image loaded or a link clicked.": (
        "已送达：邮件服务器已接收，或短信、微信、App 服务商已确认。已打开：邮件图片已加载或链接被点击。"
    ),
    # settings form
    "Outreach settings": "主动触达设置",
    "Saved.": "已保存。",
    "Sender and quiet hours": "发送方与免打扰时段",
    "Company name in messages": "消息中的公司名称",
    "Time zone": "时区",
    "Quiet hours from": "免打扰开始",
    "Quiet hours until": "免打扰结束",
    "Messages due in quiet hours wait until they end. The same time twice means no quiet hours.": (
        "免打扰时段内的消息会等到时段结束再发送。开始与结束相同表示不设免打扰。"
    ),
    "Track opens and clicks": "统计打开与点击",
    "Marketing messages per customer": "每位客户的营销消息上限",
    "Channel": "渠道",
    "At most": "最多（条）",
    "In (days)": "时间窗（天）",
    "Service notices (coupons, points, deliveries) are not counted and never dropped.": (
        "服务通知（优惠券、积分、物流）不计入上限，也不会被丢弃。"
    ),
    "SMS gateway": "短信网关",
    "Gateway address": "网关地址",
    "API key": "API 密钥",
    "Stored; leave empty to keep it": "已保存；留空则保持不变",
    "SMS signature": "短信签名",
    "Delivery reports: the gateway posts them to /api/v1/outreach/sms/delivery, signed with the API key.": (
        "送达回执：网关以 API 密钥签名后发送到 /api/v1/outreach/sms/delivery。"
    ),
    "App push": "App 推送",
    "App push webhook": "App 推送 Webhook 地址",
    "Signing secret": "签名密钥",
    "Courier webhook": "快递物流 Webhook",
    "Couriers post milestones to /api/v1/outreach/courier, signed with this secret.": (
        "快递公司用此密钥签名后，将物流节点发送到 /api/v1/outreach/courier。"
    ),
    # unsubscribe
    "You will receive no more marketing messages by {channel}. Other channels are unchanged.": (
        "您将不再通过{channel}收到营销消息，其他渠道不受影响。"
    ),
    "Notices about your own orders, points and coupons still reach you.": (
        "与您本人订单、积分和优惠券相关的服务通知仍会照常发送。"
    ),
    "Stop marketing messages on every channel": "退订所有渠道的营销消息",
    # 服务升级报告
    "Service upgrade reports": "服务升级报告",
    "Service upgrade report": "服务升级报告",
    "Published": "发布于",
    "What we improved from your feedback": "根据您的反馈所做的改进",
    "contacts about it a day: {before} before, {after} after": "相关咨询：改进前每天 {before} 次，改进后每天 {after} 次",
    "No changes listed this month.": "本月暂无列出的改进。",
    "How quickly we answer": "响应速度",
    "This month": "本月",
    "Month before": "上月",
    "This report is not published.": "该报告尚未发布。",
    "A report for customers about what changed because of their feedback, drafted from the monthly "
    "report. Only a published report is public and sent (to customers who consented).": (
        "面向客户的报告：根据客户反馈做了哪些改进，由月度报告生成草稿。只有已发布的报告才会公开，"
        "并发送给已同意接收的客户。"
    ),
    "Month": "月份",
    "Draft from the monthly report": "从月度报告生成草稿",
    "Title": "标题",
    "Status": "状态",
    "No reports yet.": "暂无报告。",
    "Published; {n} messages planned.": "已发布；已安排 {n} 条消息。",
    "Open the public page": "打开公开页面",
    "Introduction": "导语",
    "Improvements, one a line": "改进事项（每行一条）",
    "Drafted from the pain points marked addressed; write them as customers would read them.": (
        "草稿来自已标记解决的痛点；请用客户读得懂的话来写。"
    ),
    "Approve": "审核通过",
    "Publish and send": "发布并发送",
    "Send today's greetings": "发送今天的问候",
    "{n} messages planned.": "已安排 {n} 条消息。",
    "Checks who is due today now instead of at the next hourly run; nobody receives it twice.": (
        "立即检查今天应收到的客户，而不必等下一次整点运行；同一客户不会重复收到。"
    ),
    "Check today now": "立即检查并发送",
    # errors
    "only a calendar journey is run by hand": "只有按日期发送的旅程可以手动运行",
    "invalid link": "链接无效",
    "not configured": "尚未配置",
    "missing X-Kefu-Timestamp or X-Kefu-Signature": "缺少签名（X-Kefu-Timestamp 或 X-Kefu-Signature）",
    "invalid timestamp": "时间戳无效",
    "signature timestamp outside the window": "签名已过期",
    "invalid signature": "签名无效",
    "no such message": "消息不存在",
    "customers only": "仅限客户本人",
    "unknown channel": "未知渠道",
    "follows_id: no such journey": "所接旅程不存在",
    "follows_id: the steps would go round in a circle": "后续步骤不能形成循环",
    "report not found": "报告不存在",
    "this month's report is already approved": "该月报告已审核",
    "a published report is not changed": "已发布的报告不能修改",
    "only an approved report is published": "只有审核通过的报告才能发布",
}

EN = {
    **{f"outreach_holiday_{k}": v[1] for k, v in _HOLIDAYS.items()},
    **{f"outreach_trigger_{k}": v[1] for k, v in _TRIGGERS.items()},
    **{f"outreach_milestone_{k}": v[1] for k, v in _MILESTONES.items()},
    **{f"report_status_{k}": v[1] for k, v in _REPORT.items()},
    "outreach_channel_app": "App push",
}

DYNAMIC = [
    *(f"outreach_holiday_{k}" for k in _HOLIDAYS),
    *(f"outreach_milestone_{k}" for k in _MILESTONES),
    *(f"report_status_{k}" for k in _REPORT),
    *(f"outreach_trigger_{k}" for k in _TRIGGERS),
    "outreach_channel_app",
]
