"""Chinese UI strings of 首问负责制 and timed escalation: the 我负责的 view, ticket notices,
ownership reassignment, the customer's acceptance and the specialist-engaged clock; the
queue order with loyalty ticket priority and replies sent by email with the conversation."""

_KEYS = {
    "view_owned": ("我负责的", "I own"),
    "metric_specialist_engaged": ("专家介入", "Specialist engaged"),
    "notice_group_changed": ("已转到其他技能组", "Moved to another group"),
    "notice_assignee_changed": ("处理人已变更", "Assignee changed"),
    "notice_customer_wrote": ("客户有新回复", "The customer wrote"),
    "notice_sla_warning": ("SLA 即将超时", "SLA warning"),
    "notice_sla_breached": ("SLA 已超时", "SLA breached"),
    "notice_owner_changed": ("首问负责人已变更", "Owner changed"),
}

ZH = {
    **{k: v[0] for k, v in _KEYS.items()},
    "Notices on tickets I own or follow": "我负责或关注的工单动态",
    "Mark all as read": "全部标为已读",
    "The customer accepted the result (when solving)": "客户已确认接受处理结果（解决时勾选）",
    "Customer accepted the result": "客户已接受处理结果",
    "Reassign ownership": "变更首问负责人",
    "New owner": "新负责人",
    "Change owner": "变更负责人",
    "only the ticket's owner confirms the customer's acceptance": "只有首问负责人可以确认客户已接受处理结果",
    "confirm the customer's acceptance when solving the ticket": "请在解决工单时确认客户已接受处理结果",
    "the owner must be an active staff member": "负责人须为在职员工",
    "Saved: ticket #{id} moved to {group} and is no longer in your view.": "已保存：工单 #{id} 已转到「{group}」，不再显示在您的视图中。",
    "Queue order": "队列顺序",
    "Loyalty ticket priority": "会员工单优先",
    "Also send by email, with the conversation": "同时通过邮件发送（附会话记录）",
    "Sent by email": "已通过邮件发送",
}
EN = {k: v[1] for k, v in _KEYS.items()}
DYNAMIC = list(_KEYS)
