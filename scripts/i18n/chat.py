"""Chinese UI strings of presence, the chat record on tickets, chat availability, the
customer list and the agent's inbox view."""

_AUTHORS = {
    "author_customer": ("客户", "Customer"),
    "author_agent": ("客服", "Agent"),
    "author_bot": ("机器人", "Bot"),
    "author_system": ("系统", "System"),
    "view_inbox": ("我的待办", "My inbox"),
    "hours_open": ("工作时间内", "open"),
    "hours_closed": ("非工作时间", "closed"),
}

ZH = {
    "New conversation assigned to you": "有新会话分配给您",
    "Open workspace": "打开工作台",
    "Online when I sign in": "登录后自动上线",
    "Last seen": "最近在线",
    "never": "从未",
    "just now": "刚刚",
    "{n} min ago": "{n} 分钟前",
    "{n} h ago": "{n} 小时前",
    "{n} days ago": "{n} 天前",
    "Before hand-off": "转人工前",
    "Event": "事件",
    "Conversation before hand-off ({n} messages)": "转人工前的对话（{n} 条消息）",
    "Back to the chat": "返回对话",
    "Chat availability": "在线客服时间",
    "Close a chat nobody writes in": "会话无人发言时自动结束",
    "With the bot only, after (minutes)": "仅与机器人对话时，空闲（分钟）后结束",
    "With an agent, after (minutes)": "与人工客服对话时，空闲（分钟）后结束",
    "The customer sees that the chat ended and can start a new one at any time; the conversation and its ticket stay.": "客户会看到会话已结束，随时可以发起新会话；会话记录及其工单都会保留。",
    "Saved.": "已保存。",
    "The bot can answer around the clock; the agents' business hours only decide whether a hand-off reaches a person now or becomes a message.": "机器人可以 7×24 小时回答；人工客服的工作时间只决定转人工时是立即接入客服，还是记录为留言。",
    "Agents' hours now": "当前人工客服",
    "The bot answers customers": "机器人回答客户",
    "Outside agents' hours the widget": "人工客服下班后，聊天窗口",
    "An online agent becomes away after this many minutes without keyboard or mouse input (0 = never)": "在线客服连续多少分钟没有键盘或鼠标操作后自动变为“离开”（0 表示从不）",
    "keeps chatting with the bot; asking for a person leaves a message": "继续由机器人回答；客户要求转人工时请其留言",
    "shows only the leave-a-message form": "只显示留言表单",
    "Name, email, phone or customer number": "姓名、邮箱、手机号或客户编号",
    "Tier": "客户等级",
    "Contact": "联系方式",
    "No customers yet.": "还没有客户。",
    "Choose a category": "请选择分类",
    **{k: v[0] for k, v in _AUTHORS.items()},
}
EN = {k: v[1] for k, v in _AUTHORS.items()}
DYNAMIC = list(_AUTHORS)
