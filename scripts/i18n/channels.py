"""Chinese UI strings of the channels: the customer's all-channel timeline, screen pop."""

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
    "All channels": "全渠道记录",
    "No contact yet.": "暂无联系记录。",
    "Incoming call": "来电",
    **{k: v[0] for k, v in _CHANNELS.items()},
}
EN = {k: v[1] for k, v in _CHANNELS.items()}
DYNAMIC = list(_CHANNELS)
