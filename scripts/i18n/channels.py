"""Chinese UI strings of the channels: the customer's all-channel timeline, screen pop, and the
admin's phone lines (电话接入)."""

_CHANNELS = {
    "channel_web": ("网页", "Web"),
    "channel_portal": ("服务中心", "Portal"),
    "channel_chat": ("在线客服", "Chat"),
    "channel_email": ("邮件", "Email"),
    "channel_phone": ("电话", "Phone"),
    "channel_wechat": ("微信公众号", "WeChat"),
    "channel_api": ("API", "API"),
    "channel_app": ("App", "App"),
    "channel_service_point": ("服务网点", "Service point"),
}

ZH = {
    "History on all channels": "全渠道记录",
    "No contact yet.": "暂无联系记录。",
    "Incoming call": "来电",
    "Phone lines": "电话接入",
    "phone line": "电话线路",
    "The call centre sends signed call events (ringing, answered, ended) to the events address "
    "below, signed with the same secret; calls pop up at the extension's agent and missed "
    "calls become call-back tasks. Secrets are never shown again; leave them empty to keep them.": (
        "呼叫中心把通话事件（振铃、接听、挂断）用同一签名密钥签名后发送到下面的事件地址；"
        "来电在分机对应的坐席处弹屏，未接来电自动生成回拨任务。密钥保存后不再显示，留空即保持不变。"
    ),
    "Events address": "事件地址",
    "Extensions": "分机",
    "One per line: the extension, then the agent's email or name, e.g. 8001 zhangwei@example.com": (
        "每行一个：分机号，然后是坐席的邮箱或姓名，例如 8001 zhangwei@example.com"
    ),
    "Line “{line}”: write the extension, then the email or name of a staff member.": (
        "第“{line}”行：请先写分机号，再写员工的邮箱或姓名。"
    ),
    "phone line {id} not found": "电话线路 {id} 不存在",
    "extension {extension}: no staff member {user_id}": "分机 {extension}：员工 {user_id} 不存在",
    **{k: v[0] for k, v in _CHANNELS.items()},
}
EN = {k: v[1] for k, v in _CHANNELS.items()}
DYNAMIC = list(_CHANNELS)
