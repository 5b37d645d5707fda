"""Backup/restore and import messages (the ops and importer domains)."""

ZH = {
    "an in-memory SQLite database cannot be backed up": "内存中的 SQLite 数据库无法备份",
    "the copied database failed its integrity check": "备份的数据库未通过完整性检查",
    "not a kefu backup (no manifest.json)": "不是 kefu 备份文件（缺少 manifest.json）",
}

ZH.update({"Not Found": "未找到"})
