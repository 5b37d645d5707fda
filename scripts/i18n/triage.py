"""Automatic ticket triage."""

ZH = {"no triage for this ticket yet": "该工单尚未自动分类"}

ZH.update(
    {
        "Suggested category": "建议分类",
        "confidence": "置信度",
        "saved when you update": "点击更新后生效",
        "Category set automatically": "分类由系统自动设置",
    }
)

ZH.update(
    {
        "Suggested group": "建议技能组",
        "where most tickets of this category go": "同类工单大多由该组处理",
    }
)
