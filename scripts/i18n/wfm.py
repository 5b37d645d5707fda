"""Chinese UI strings of workforce planning (/wfm: forecast, Erlang C staffing, shifts)."""

ZH = {
    "Workforce planning": "排班规划",
    "Week from": "计划周起始",
    "Shrinkage": "损耗率",
    "Spare margin": "冗余余量",
    "Max occupancy": "最大占用率",
    "This plan": "本计划链接",
    "Staffing curve": "人力需求曲线",
    "Peak required agents": "峰值所需坐席",
    "Understaffed intervals": "人手不足时段",
    "Overstaffed intervals": "人手过剩时段",
    "Forecast error (MAPE, last 28 days)": "预测误差（近 28 天 MAPE）",
    "Forecast contacts": "预测咨询量",
    "Required agents": "所需坐席",
    "Scheduled agents": "已排班坐席",
    "Understaffed": "人手不足",
    "Channels": "渠道",
    "Channel": "渠道",
    "Handle time (s)": "平均处理时长（秒）",
    "Target": "服务水平目标",
    "Chats at once": "同时接待会话数",
    "Share reaching a person": "转人工比例",
    "Interval": "时段",
    "No understaffed interval.": "没有人手不足的时段。",
    "Shifts": "班次",
    "Weekday": "星期",
    "From": "开始",
    "Shift end": "结束",
    "All channels": "全部渠道",
    "No shifts yet.": "还没有班次。",
    "Add shift": "添加班次",
    "Monday": "周一",
    "Tuesday": "周二",
    "Wednesday": "周三",
    "Thursday": "周四",
    "Friday": "周五",
    "Saturday": "周六",
    "Sunday": "周日",
}
# Channel names and weekday names are looked up from data.
DYNAMIC = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZH.update(
    {
        "Average handle time": "平均处理时长",
        "{pct} answered within {time}": "{pct} 在 {time} 内接起",
        "What to do": "建议调整",
        "{n} half-hours within opening hours are short of agents: {hours} agent-hours in all.": (
            "营业时间内有 {n} 个半小时时段人手不足，合计缺 {hours} 人·小时。"
        ),
        "The shifts cover the forecast in every open half-hour.": "现有班次覆盖了营业时间内每个半小时的预测需求。",
        "{day} {start}–{end}: add {n} agents (short {hours} agent-hours)": (
            "{day} {start}–{end}：增加 {n} 名坐席（缺 {hours} 人·小时）"
        ),
        "{day} {start}–{end}: up to {n} agents to spare; move them to a short time or to written channels": (
            "{day} {start}–{end}：最多富余 {n} 名坐席，可调往缺人时段或处理邮件等书面渠道"
        ),
        "About {n} contacts are forecast while closed; they are answered when you open.": (
            "非营业时间预计约有 {n} 次咨询，将在开始营业后处理。"
        ),
        "Agents needed per half-hour": "每半小时坐席需求",
        "Each cell: agents on shift / agents needed. Red: short; green: enough; blue: more than needed; grey: closed.": (
            "每格：已排班人数 / 所需人数。红色：人手不足；绿色：足够；蓝色：富余；灰色：非营业时间。"
        ),
        "Day": "日期",
        "{time}: {volume} contacts forecast, {required} agents needed, {scheduled} on shift": (
            "{time}：预测 {volume} 次咨询，需要 {required} 人，已排 {scheduled} 人"
        ),
        "Closed": "非营业时间",
    }
)
ZH["Understaffed half-hours (open hours)"] = "人手不足的半小时（营业时间内）"
ZH["Overstaffed half-hours"] = "人手富余的半小时"
