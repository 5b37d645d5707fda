"""Chinese UI strings of the email channel: addresses, IMAP mailboxes, quarantine."""

_STATUSES = {
    "mail_status_received": ("待处理", "Waiting"),
    "mail_status_ticket": ("新建工单", "New ticket"),
    "mail_status_comment": ("追加到工单", "Added to ticket"),
    "mail_status_automated": ("自动邮件（未处理）", "Automated (ignored)"),
    "mail_status_held": ("暂扣（疑似循环）", "Held (loop)"),
    "mail_status_quarantined": ("已隔离", "Quarantined"),
}

ZH = {
    "Email channel": "邮件渠道",
    "Quarantine": "隔离区",
    "Mail that could not be processed, or was held by the loop breaker. Nothing here is lost: download the source or retry.": "无法处理或因疑似邮件循环被暂扣的邮件。这里的邮件不会丢失：可下载原文或重试。",
    "Received": "接收时间",
    "From": "发件人",
    "Subject": "主题",
    "Status": "状态",
    "Reason": "原因",
    "Source": "原文",
    "Retry": "重试",
    "Nothing in quarantine.": "隔离区为空。",
    "Addresses": "收件地址",
    "Mail to an address goes to its group; unmapped addresses go to the default group. Replies go out from the address the customer wrote to.": "发往某地址的邮件进入其对应技能组；未配置的地址进入默认组。回复从客户来信的地址发出。",
    "Address": "地址",
    "Group": "技能组",
    "Sender name": "发件人名称",
    "Default group": "默认组",
    "Delete": "删除",
    "Signature": "签名",
    "Add": "添加",
    "IMAP mailboxes": "IMAP 邮箱",
    "Name": "名称",
    "Server": "服务器",
    "Last poll": "上次收取",
    "Fetched": "已收取",
    "Poll now": "立即收取",
    "Port": "端口",
    "User name": "用户名",
    "Password": "密码",
    "Folder": "文件夹",
    "Show quoted text": "显示引用内容",
    **{k: v[0] for k, v in _STATUSES.items()},
}
EN = {k: v[1] for k, v in _STATUSES.items()}
DYNAMIC = list(_STATUSES)
