"""Write the zh_CN catalog from the template/message ids (run after adding UI strings).

Usage: .venv/bin/python scripts/i18n_zh.py — extracts ids with Babel, merges the Chinese
translations below, writes src/kefu/locale/{zh_CN,en}/LC_MESSAGES/messages.po and fails if
any id lacks a Chinese translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "kefu"
sys.path.insert(0, str(ROOT / "src"))
from kefu.kit.i18n import split_bilingual  # noqa: E402 - the runtime's own split

ZH = {
    "Active": "启用",
    "Add group": "添加技能组",
    "Add staff member": "添加员工",
    "Add": "添加",
    "Admin": "管理",
    "Agents": "坐席",
    "All": "全部",
    "Attempts": "尝试次数",
    "Back to start": "返回首页",
    "Background jobs": "后台任务",
    "Customer sign in": "客户登录",
    "Customer": "客户",
    "Customer? Go to the help portal": "我是客户，前往服务中心",
    "Default": "默认",
    "Description": "描述",
    "Email": "邮箱",
    "Groups": "技能组",
    "Hello": "您好",
    "Help center": "服务中心",
    "Job": "任务",
    "Last error": "最近错误",
    "Live overview": "实时概览",
    "Members": "成员",
    "My conversations": "我的会话",
    "My requests": "我的工单",
    "My tickets": "我的工单",
    "Name": "姓名",
    "No agent online.": "暂无在线坐席。",
    "No jobs.": "没有任务。",
    "No one is waiting.": "当前无人排队。",
    "Nothing assigned to you yet.": "暂无分配给您的工作。",
    "Nothing at risk.": "暂无 SLA 风险。",
    "Password": "密码",
    "Queues": "排队",
    "Retry": "重试",
    "Role": "角色",
    "SLA at risk": "SLA 风险",
    "Select a conversation to see the customer.": "选择一个会话以查看客户信息。",
    "Sign in to kefu": "登录 kefu 客服",
    "Sign in to see and follow your requests.": "登录后查看并跟进您的工单。",
    "Sign in": "登录",
    "Sign out": "退出",
    "Staff": "员工",
    "Status": "状态",
    "Supervisor": "主管",
    "Workspace": "工作台",
    "Wrong email or password.": "邮箱或密码错误。",
    "Your requests will appear here.": "您的工单将显示在这里。",
    "kefu customer service": "kefu 客服",
    "kefu": "kefu 客服",
    "no": "否",
    "yes": "是",
    "admin": "管理员",
    "supervisor": "主管",
    "agent": "坐席",
    "Knowledge base": "知识库",
    "Edit article": "编辑文章",
    "New article": "新建文章",
    "Title": "标题",
    "Category": "分类",
    "Tags": "标签",
    "Language": "语言",
    "Visibility": "可见范围",
    "Body (Markdown)": "正文（Markdown）",
    "Save": "保存",
    "View in help center": "在服务中心查看",
    "Version": "版本",
    "Views": "浏览",
    "Helpful": "有用/无用",
    "Content gaps: searches that found nothing": "内容缺口：没有结果的搜索",
    "Query": "搜索词",
    "Count": "次数",
    "None so far.": "暂无。",
    "Thank you for your feedback!": "感谢您的反馈！",
    "Was this article helpful?": "这篇文章对您有帮助吗？",
    "Yes": "有帮助",
    "No": "没帮助",
    "Search the help center": "搜索帮助文章",
    "Search": "搜索",
    "Categories": "分类",
    "Other": "其他",
    "No articles yet.": "暂无文章。",
    "Nothing found. Try other words, or contact us.": "没有找到相关内容，换个说法试试，或联系我们。",
    "draft": "草稿",
    "published": "已发布",
    "archived": "已归档",
    "public": "公开",
    "internal": "内部",
    "Tickets": "工单",
    "Agent": "坐席",
    "Public reply": "公开回复",
    "Internal note": "内部备注",
    "Macro": "快捷回复",
    "No macro": "不使用快捷回复",
    "Reply": "回复",
    "Public reply (the customer sees it)": "公开回复（客户可见）",
    "Send": "发送",
    "SLA": "SLA",
    "No SLA applies.": "没有适用的 SLA。",
    "Properties": "属性",
    "Priority": "优先级",
    "Group": "技能组",
    "Assignee": "处理人",
    "Owner": "首问负责人",
    "Channel": "渠道",
    "Update": "更新",
    "Any status": "全部状态",
    "Search subject or text": "搜索标题或内容",
    "Filter": "筛选",
    "Subject": "标题",
    "Updated": "更新时间",
    "No tickets in this view.": "此视图中没有工单。",
    "Previous": "上一页",
    "Next": "下一页",
    "Me": "我",
    "My problem is solved": "我的问题已解决",
    "Submit a request": "提交工单",
    "Describe the problem": "问题描述",
    "Submit": "提交",
    "You have no requests yet.": "您还没有提交过工单。",
    "SLA and business hours": "SLA 与工作时间",
    "Business hours": "工作时间",
    "Time zone": "时区",
    "Working time": "工作时段",
    "China holidays and make-up workdays": "中国法定节假日与调休",
    "Statutory data covers the years": "法定节假日数据覆盖年份",
    "Later years use the schedule's own holidays and workdays.": "之后的年份使用本日程自己配置的假日与工作日。",
    "Intervals (weekday start end; 0 = Monday)": "时段（星期 开始 结束；0 = 周一）",
    "Holidays (YYYY-MM-DD)": "假日（YYYY-MM-DD）",
    "Extra workdays (YYYY-MM-DD)": "额外工作日（YYYY-MM-DD）",
    "SLA policies (first match wins)": "SLA 策略（按顺序取第一个匹配）",
    "Targets (minutes)": "时限（分钟）",
    "Position": "顺序",
    "Calendar time": "自然时间",
    "Customer tier": "客户等级",
    "Macros and triggers": "快捷回复与触发器",
    "Macros": "快捷回复",
    "Actions": "操作",
    "Used": "使用次数",
    "Triggers": "触发器",
    "When": "何时",
    "Conditions": "条件",
    "Hours (time-based)": "小时（定时）",
    "Conditions (JSON)": "条件（JSON）",
    "Actions (JSON)": "操作（JSON）",
    "Selected tickets": "选中的工单",
    "Assign to me": "分配给我",
    "Apply": "应用",
    "Attachment (optional)": "附件（可选）",
    "If this address is registered, a sign-in link is on its way. It works once, for 15 minutes.": "如果该邮箱已注册，登录链接已发送，15 分钟内有效且仅可使用一次。",
    "No password? Email me a sign-in link": "没有密码？发送登录链接到邮箱",
    "Send link": "发送链接",
    "Sort": "排序",
    "Recently updated": "最近更新",
    "Newest": "最新创建",
    "Oldest": "最早创建",
    "Points and coupons": "积分与优惠券",
    "Membership": "会员等级",
    "Points per CNY": "每元积分",
    "Member discount": "会员折扣",
    "Priority service": "优先服务",
    "Free on-site service": "免费上门服务",
    "Points": "积分",
    "No points yet.": "暂无积分。",
    "Coupons": "优惠券",
    "valid until": "有效期至",
    "No coupons.": "暂无优惠券。",
    "Customers": "客户",
    "Email, phone or customer number": "邮箱、手机号或客户编号",
    "Nothing found.": "没有找到。",
    "Profile": "资料",
    "Organization": "单位",
    "Customer since": "注册于",
    "Dedicated advisor": "专属顾问",
    "Show full contact details (recorded)": "查看完整联系方式（将被记录）",
    "Orders": "订单",
    "refunded": "已退款",
    "No orders.": "暂无订单。",
    "Export personal data (JSON)": "导出个人数据（JSON）",
    "Erase this customer's personal data? This cannot be undone.": "确定删除该客户的个人数据吗？此操作不可撤销。",
    "Erase personal data": "删除个人数据",
    "Personal data erased.": "个人数据已删除。",
    "queued": "排队中",
    "running": "运行中",
    "done": "已完成",
    "dead": "失败",
}
# --- chat, workspace, supervisor (web/templates/chat, agent/home, supervisor/home) -------
CHAT_ZH = {
    "Go online": "上线",
    "Select a conversation to reply.": "选择一个会话开始回复。",
    "Customer 360": "客户 360 视图",
    "Recent tickets": "最近工单",
    "Past conversations": "历史会话",
    "Transfer": "转接",
    "End chat": "结束会话",
    "Conversations": "会话",
    "The customer is typing…": "客户正在输入…",
    "Insert macro…": "插入快捷回复…",
    "Send a file": "发送文件",
    "Enter to send, Shift+Enter for a new line": "Enter 发送，Shift+Enter 换行",
    "Transfer conversation": "转接会话",
    "To a group": "转给技能组",
    "To an agent": "转给坐席",
    "Note for the next agent": "给接手坐席的备注",
    "Cancel": "取消",
    "End this chat?": "结束此会话？",
    "The customer is asked to rate the conversation.": "结束后将邀请客户对本次服务评价。",
    "Also mark the ticket solved": "同时将工单标记为已解决",
    "Chats {load}/{capacity} · tickets {tload}/{tcapacity}": "会话 {load}/{capacity} · 工单 {tload}/{tcapacity}",
    "connected": "已连接",
    "reconnecting…": "正在重连…",
    "Assistant": "智能助手",
    "System": "系统",
    "Sending…": "发送中…",
    "Sent": "已发送",
    "Read": "已读",
    "Not sent": "未发送",
    "Why you: {text}": "分配原因：{text}",
    "returning customer's owner": "熟客优先（原负责人）",
    "skills match": "技能匹配",
    "least loaded": "负载最低",
    "transferred": "转接",
    "taken over": "主管接管",
    "skills": "技能",
    "load": "负载",
    "waited {time}": "已等待 {time}",
    "New conversation: {name}": "新会话：{name}",
    "This conversation is no longer yours.": "该会话已不再由您处理。",
    "The chat has ended.": "会话已结束。",
    "Read only: the conversation is not assigned to you.": "只读：该会话未分配给您。",
    "Transferred.": "已转接。",
    "Something went wrong. Please try again.": "出错了，请重试。",
    "The file could not be sent.": "文件发送失败。",
    "Uploading {name}…": "正在上传 {name}…",
    "Ticket #{id}": "工单 #{id}",
    "Download": "下载",
    "A customer is waiting for your reply.": "有客户在等待您的回复。",
    "None": "无",
    "Online service": "在线客服",
    "Minimize": "收起",
    "Connecting…": "正在连接…",
    "Hello! How can we help you today?": "您好！请问有什么可以帮您？",
    "Leave your contact details if you like, so we can reach you if the chat is cut off. All fields are optional.": "可留下联系方式，以便会话中断时我们联系您。以下均为选填。",
    "Mobile phone": "手机号",
    "Start chat": "开始咨询",
    "We are offline right now. Leave a message and we will get back to you.": "当前为非工作时间，请留言，我们会尽快回复您。",
    "Message": "留言内容",
    "Leave a message": "提交留言",
    "Messages": "消息",
    "The agent is typing…": "客服正在输入…",
    "How did we do?": "请为本次服务评价",
    "Rating": "评分",
    "Comment (optional)": "意见（选填）",
    "Submit rating": "提交评价",
    "Chat again": "继续咨询",
    "Talk to a human": "转人工",
    "Type your message": "输入消息",
    "Type your message; Enter to send": "输入消息，按 Enter 发送",
    "You": "我",
    "Connection lost, reconnecting…": "连接已断开，正在重连…",
    "Online": "在线",
    "You are number {position} in the queue, about {minutes} min to wait.": "您当前排在第 {position} 位，预计等待约 {minutes} 分钟。",
    "You are number {position} in the queue; no agent is online right now, the first one back will answer you.": "您当前排在第 {position} 位。现在没有客服在线，客服上线后会第一时间回复您。",
    "You are number {position} in the queue; an agent will be with you shortly.": "您当前排在第 {position} 位，客服马上为您服务。",
    "{name} is now serving you.": "客服 {name} 为您服务。",
    "Transferring you to a human agent…": "正在为您转接人工客服…",
    "This chat has ended.": "本次会话已结束。",
    "You have already rated this chat.": "您已评价过本次会话。",
    "Your previous chat has expired. Please start a new one.": "之前的会话已过期，请重新开始咨询。",
    "Chat is not available on this site.": "本网站暂不支持在线咨询。",
    "Thank you! Your message was received as request #{id}. We will reply soon.": "谢谢！您的留言已受理（工单 #{id}），我们会尽快回复。",
    "Please give an email address or a mobile phone number.": "请填写邮箱或手机号，以便我们回复您。",
    "Please fill in your name and a message.": "请填写姓名和留言内容。",
    "You are sending messages too quickly. Please wait a moment.": "发送太频繁，请稍候再试。",
    "The message is too long.": "消息太长。",
    "{count} agents online": "{count} 位客服在线",
    "Waiting": "等待",
    "Longest wait": "最长等待",
    "Chats": "会话",
    "Conversations at risk": "有风险的会话",
    "Reassign conversation": "改派会话",
    "Reassign": "改派",
    "Take over": "接管",
    "You took over the conversation.": "您已接管该会话。",
    "Assigned by": "分配依据",
    "waited": "等待",
    "Reassigned.": "已改派。",
    "updated {time}": "更新于 {time}",
    "{n} s": "{n} 秒",
    "{m} min {s} s": "{m} 分 {s} 秒",
}
ZH.update(CHAT_ZH)
CHAT_DYNAMIC = {
    "presence_online": ("在线", "Online"),
    "presence_away": ("离开", "Away"),
    "presence_offline": ("离线", "Offline"),
    "chat_status_bot": ("机器人接待", "With the bot"),
    "chat_status_queued": ("排队中", "Queued"),
    "chat_status_assigned": ("服务中", "In progress"),
    "chat_status_closed": ("已结束", "Ended"),
    "routing_rule_least_loaded": ("负载最低的在线坐席", "least-loaded online agent"),
    "routing_rule_sticky_owner": ("熟客优先（原负责人）", "returning customer's owner"),
    "routing_rule_transfer": ("转接", "transfer"),
    "routing_rule_takeover": ("主管接管", "supervisor takeover"),
}
# Ids built in templates ("status_" ~ value ...) need both languages spelled out.
DYNAMIC_TEXT = {
    "view_mine": ("我的工单", "Mine"),
    "view_unassigned": ("未分配", "Unassigned"),
    "view_groups": ("我的技能组", "My groups"),
    "view_at_risk": ("SLA 即将超时", "SLA at risk"),
    "view_overdue": ("已超时", "Overdue"),
    "view_all": ("全部", "All"),
    "status_new": ("新建", "New"),
    "status_open": ("处理中", "Open"),
    "status_pending": ("待客户回复", "Pending"),
    "status_hold": ("挂起", "On hold"),
    "status_solved": ("已解决", "Solved"),
    "status_closed": ("已关闭", "Closed"),
    "priority_urgent": ("紧急", "Urgent"),
    "priority_high": ("高", "High"),
    "priority_normal": ("普通", "Normal"),
    "priority_low": ("低", "Low"),
    "metric_acknowledge": ("确认", "Acknowledge"),
    "metric_first_reply": ("首次回复", "First reply"),
    "metric_next_reply": ("下次回复", "Next reply"),
    "metric_resolution": ("解决", "Resolution"),
    "sla_active": ("计时中", "running"),
    "sla_paused": ("已暂停", "paused"),
    "sla_fulfilled": ("已达成", "met"),
    "sla_breached": ("已超时", "breached"),
    "tier_high": ("高价值", "High value"),
    "tier_mid": ("中价值", "Mid value"),
    "tier_potential": ("潜力", "Potential"),
    "tier_none": ("普通会员", "Member"),
    "coupon_compensation": ("服务补偿", "Service compensation"),
    "coupon_birthday": ("生日礼券", "Birthday"),
    "coupon_referral": ("推荐奖励", "Referral"),
    "coupon_anniversary": ("购买周年", "Anniversary"),
    "coupon_loyalty": ("长期会员", "Loyalty"),
    "coupon_manual": ("赠券", "Gift"),
    "coupon_status_active": ("可用", "active"),
    "coupon_status_used": ("已使用", "used"),
    "coupon_status_expired": ("已过期", "expired"),
}
DYNAMIC_TEXT.update(CHAT_DYNAMIC)
ZH.update({k: v[0] for k, v in DYNAMIC_TEXT.items()})
EN = {k: v[1] for k, v in DYNAMIC_TEXT.items()}
# Ids used dynamically (roles, job states) that extraction cannot see.
DYNAMIC = [
    "admin",
    "supervisor",
    "agent",
    "queued",
    "running",
    "done",
    "dead",
    "draft",
    "published",
    "archived",
    "public",
    "internal",
    *DYNAMIC_TEXT,
]


def _merge_domain_tables() -> None:
    """Each domain may keep its strings in scripts/i18n/<domain>.py (ZH, and EN / DYNAMIC for
    ids extraction cannot see), so parallel work never edits one shared dict."""
    import importlib.util

    clashes: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "scripts" / "i18n").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"i18n_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        table = getattr(module, "ZH", {})
        # One id, one Chinese: two domains translating "To" as 发送到 and 结束 would show
        # one of them on the other's page. Give such ids distinct English instead.
        clashes.update({f"{path.name}: {k}": (ZH[k], v) for k, v in table.items() if k in ZH and ZH[k] != v})
        ZH.update(table)
        EN.update(getattr(module, "EN", {}))
        DYNAMIC.extend(d for d in getattr(module, "DYNAMIC", []) if d not in DYNAMIC)
    if clashes:
        raise SystemExit(
            "ids translated differently in two places:\n"
            + "\n".join(f"  {k}: {v}" for k, v in clashes.items())
        )


_merge_domain_tables()


# Error classes are extraction keywords too: their first literal argument is a message id.
ERROR_KEYWORDS = {
    name: None
    for name in (
        "KefuError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
        "Unprocessable", "TooManyRequests", "ChatError", "Gone",
    )
}  # fmt: skip


def extract() -> list[str]:
    method_map = [("web/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {**DEFAULT_KEYWORDS, **ERROR_KEYWORDS}
    ids: list[str] = []
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(SRC), method_map, keywords=keywords):
        if isinstance(message, str) and message not in ids:
            ids.append(message)
    return ids + [d for d in DYNAMIC if d not in ids]


def _bilingual(ids: list[str]) -> None:
    """Legacy "中文 / English" messages translate themselves: each half goes to its catalog."""
    for mid in ids:
        parts = split_bilingual(mid)
        if parts:
            ZH.setdefault(mid, parts[0])
            EN.setdefault(mid, parts[1])


def _existing(locale: str) -> dict[str, str]:
    """Translations already in the catalog (made with a PO editor, say): kept for ids the
    tables do not cover, so the .po file is a source too, not only an output."""
    po = SRC / "locale" / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return {}
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
    }


def main() -> int:
    ids = extract()
    _bilingual(ids)
    for table, locale in ((ZH, "zh_CN"), (EN, "en")):
        for mid, text in _existing(locale).items():
            table.setdefault(mid, text)
    missing = [m for m in ids if m not in ZH]
    for locale, table in (("zh_CN", ZH), ("en", EN)):
        catalog = Catalog(locale=locale, project="kefu")
        for mid in ids:
            catalog.add(mid, table.get(mid, ""))
        out = SRC / "locale" / locale / "LC_MESSAGES" / "messages.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, omit_header=False, width=100)
    if missing:
        print("missing zh_CN translations:", *missing, sep="\n  ")
        return 1
    print(f"{len(ids)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
