"""Chinese UI strings of the improvement loop (问题分类→责任部门整改→整改后回访): 改进事项, the
suggestion form, verification, the SLA breach patterns, departments, R&D integrations and
the errors; and the training dashboard and emotion-training case material."""

_STATUS = {
    "open": ("待处理", "Open"),
    "in_progress": ("整改中", "In progress"),
    "fixed": ("已整改", "Fixed"),
    "verified": ("已验证", "Verified"),
    "rejected": ("未采纳", "Rejected"),
    "closed": ("已关闭", "Closed"),
}
_SOURCE = {
    "painpoint": ("痛点", "Pain point"),
    "qa": ("质检整改", "QA finding"),
    "sla": ("SLA 超时", "SLA breach pattern"),
    "csat": ("低满意度原因", "Low-CSAT reason"),
    "suggestion": ("员工建议", "Employee suggestion"),
}
_CHECK = {
    "pass": ("已达标", "passed"),
    "fail": ("未达标", "failed"),
    "pending": ("观察中", "pending"),
    "none": ("不适用", "not applicable"),
}
_LOG = {
    "created": ("创建", "created"),
    "edited": ("修改", "edited"),
    "status": ("变更状态", "moved"),
    "callback": ("研发系统回调", "R&D callback"),
    "check": ("验证检查", "verification check"),
}
_FIELD = {
    "title": ("标题", "title"),
    "description": ("描述", "description"),
    "department_id": ("责任部门", "department"),
    "owner_id": ("负责人", "owner"),
    "action_plan": ("整改措施", "action plan"),
    "due_date": ("截止日期", "due date"),
    "external_url": ("外部问题链接", "external link"),
    "external_id": ("外部问题编号", "external id"),
    "topic": ("痛点主题", "topic"),
    "verify_ratio": ("验证阈值", "verification ratio"),
    "verify_weeks": ("验证周数", "verification weeks"),
    "survey_threshold": ("回访评分阈值", "survey threshold"),
}
_MOVE = {
    "open": ("退回待处理", "Back to open"),
    "in_progress": ("开始整改", "Start work"),
    "fixed": ("标记已整改", "Mark fixed"),
    "verified": ("确认已验证", "Mark verified"),
    "rejected": ("不采纳", "Reject"),
    "closed": ("关闭", "Close"),
}

ZH: dict[str, str] = {}
EN: dict[str, str] = {}
for _kind, _table in (
    ("improvement_status", _STATUS),
    ("improvement_source", _SOURCE),
    ("improvement_check", _CHECK),
    ("improvement_log", _LOG),
    ("improvement_field", _FIELD),
    ("improvement_move_to", _MOVE),
):
    for _value, (_zh, _en) in _table.items():
        ZH[f"{_kind}_{_value}"] = _zh
        EN[f"{_kind}_{_value}"] = _en
ZH["job_improvement.verify"] = "验证已整改事项"
EN["job_improvement.verify"] = "Verify fixed improvement items"

ZH.update(
    {
        # navigation and the list
        "Improvements": "改进事项",
        "Improvement items": "改进事项",
        "Improvement item": "改进事项",
        "New improvement item": "新建改进事项",
        "Edit improvement item": "编辑改进事项",
        "Suggest an improvement": "提改进建议",
        "SLA breach patterns": "SLA 超时分布",
        "Responsible departments": "责任部门",
        "Responsible department": "责任部门",
        "responsible department": "责任部门",
        "Verified ÷ due: items due in the last {days} days that were verified.": "已验证 ÷ 到期：近 {days} 天内到期的改进事项中已验证的比例。",
        "Due": "到期",
        "verified": "已验证",
        "Overdue only": "只看逾期",
        "Overdue": "已逾期",
        "Mine": "我负责的",
        "Due date": "截止日期",
        "No improvement item yet.": "暂无改进事项。",
        # forms
        "Anyone may suggest; a supervisor reviews each suggestion and assigns it or explains why not.": "所有员工都可以提建议；主管会逐条评估，分派给责任部门或说明不采纳的原因。",
        "What should change, and why": "建议改进什么，为什么",
        "Submit suggestion": "提交建议",
        "supplier": "供应商",
        "Action plan": "整改措施",
        "External issue link": "外部问题链接",
        "Verification": "整改验证",
        "Pain-point topic to watch": "跟踪的痛点主题",
        "Weekly volume at most (% of the baseline)": "每周咨询量不高于基线的（%）",
        "For how many weeks": "连续周数",
        "Follow-up survey average at least (1–5 stars)": "回访平均评分不低于（1–5 星）",
        # detail
        "Affected tickets": "涉及工单",
        "Verified when the topic's weekly volume (or complaint rate) stays at most {ratio}% of the baseline for {weeks} whole weeks after the fix and the follow-up survey has not failed; without a topic, when the survey average reaches {stars} stars.": "整改后连续 {weeks} 个整周，该主题的每周咨询量（或投诉率）不高于基线的 {ratio}%，且回访未出现不满意，即判定为已验证；没有跟踪主题的事项，回访平均分达到 {stars} 星即验证通过。",
        "baseline per week": "基线每周",
        "complaint rate": "投诉率",
        "Follow-up surveys": "整改回访",
        "sent": "已发送",
        "answered": "已回复",
        "average": "平均",
        "Last check": "最近一次检查",
        "volume": "咨询量",
        "survey": "回访",
        "Verified at": "验证时间",
        "Timeline": "处理记录",
        # sources
        "Breaches grouped by SLA metric and ticket category (or skill group when there is no category).": "按 SLA 指标和工单分类（无分类时按技能组）汇总的超时情况。",
        "Category or group": "分类或技能组",
        "Breaches": "超时次数",
        "Corrective action": "限期整改",
        "Uncategorised": "未分类",
        "No SLA breach in this period.": "该时段没有 SLA 超时。",
        "Turn this review's finding into an improvement item owned by the agent, due by a date (限期整改).": "将本次质检发现的问题转为改进事项，由该坐席负责，在截止日期前完成（限期整改）。",
        "Attribute the customer's reason to a responsible department or supplier: it becomes an improvement item (assign the party on the item).": "将客户的不满意原因归属到责任部门或供应商：生成改进事项（在事项中指定责任方）。",
        "Create improvement item": "生成改进事项",
        # admin
        "Department": "部门",
        "Supplier": "供应商",
        "Departments and suppliers an improvement item can be assigned to.": "改进事项可以分派的责任部门和供应商。",
        "R&D integrations": "研发系统对接",
        "R&D integration": "研发系统对接",
        "Improvement items are sent to this address as signed webhooks; the tracker calls back POST /api/v1/improvements/callback signed with the same secret to mark an item fixed.": "改进事项以签名 Webhook 推送到该地址；研发系统用同一密钥签名回调 POST /api/v1/improvements/callback，即可将事项标记为已整改。",
        "Integration number": "对接编号",
        "https://… of the R&D tracker's webhook receiver": "研发系统接收 Webhook 的 https:// 地址",
        "Signing secret": "签名密钥",
        "At least 16 characters; leave empty when editing to keep the current one.": "至少 16 个字符；编辑时留空则保留原密钥。",
        "Enter a signing secret of at least 16 characters.": "请填写至少 16 个字符的签名密钥。",
        # state machine and errors
        "Unknown status.": "未知状态。",
        "The item already has this status.": "事项已经是这个状态。",
        "This status change is not allowed.": "不允许这样变更状态。",
        "Only a suggestion can be rejected; close the item instead.": "只有员工建议可以不采纳；其他事项请关闭。",
        "improvement item not found": "改进事项不存在",
        "department not found": "责任部门不存在",
        "unknown department": "未知的责任部门",
        "a department with this name exists": "已有同名的责任部门",
        "only a supervisor or the item's owner may do this": "只有主管或事项负责人可以这样操作",
        "integration not found": "研发系统对接不存在",
        "the secret must be at least 16 characters": "密钥至少需要 16 个字符",
        "signature required": "缺少签名",
        "unknown integration": "未知的对接",
        "the signature has expired": "签名已过期",
        "bad signature": "签名错误",
        "invalid callback body": "回调内容无效",
        "no such SLA breach pattern in this period": "该时段没有这一类 SLA 超时",
        "the period must be one day to one year": "时段须在一天到一年之间",
        "this survey has no answer yet": "该问卷尚未回复",
    }
)
DYNAMIC = list(EN)

# The training dashboard (培训看板) and the emotion-training cases.
ZH.update(
    {
        "Training dashboard": "培训看板",
        "Training coverage": "培训覆盖率",
        "{n} of {m} agents finished every path assigned to them": "{m} 名坐席中 {n} 名完成了全部指派的学习路径",
        "Exam pass rate": "考试通过率",
        "{n} of {m} required passes": "应通过 {m} 人次，已通过 {n} 人次",
        "Paths completed": "完成路径",
        "Exams passed": "通过考试",
        "Latest exam score": "最近考试得分",
        "QA average": "质检均分",
        "CSAT average": "满意度均分",
        "No agent yet.": "暂无坐席。",
        "Latest exam score: the last graded attempt, in percent. QA average: scored quality reviews (0–100). CSAT average: 1–5 stars of the agent's answered surveys. Numbers in brackets: how many.": "最近考试得分：最近一次已评分考试的百分制得分。质检均分：已评分的质检复核（0–100）。满意度均分：该坐席已回复问卷的 1–5 星评分。括号内为数量。",
    }
)

ZH.update(
    {
        "Conversation": "会话",
        "emotion marks": "含情绪标注",
        "Conversation number (emotion-recognition training)": "会话编号（情绪识别培训）",
        "Give a title, a month like 2026-12 and a ticket, quality review or conversation number.": "请填写标题、月份（如 2026-12），以及工单、质检或会话编号。",
        "Emotion model": "情绪模型",
        "anger": "愤怒度",
        "Emotion-recognition material: each customer line shows the emotion model's mark. Do you read the customer the same way?": "情绪识别培训素材：每条客户消息旁是情绪模型的判断。你对客户情绪的判断一致吗？",
        "A case comes from a ticket, a quality review or a conversation.": "案例须来自工单、质检或会话。",
    }
)
