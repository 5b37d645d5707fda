"""Chinese UI strings of the customer-value report (客户价值) on /reports, its CSV and goals."""

ZH = {
    "Customer value": "客户价值",
    "From paid orders; refunded orders do not count. Repurchase: an order in the period other than the customer's first. Churned: no purchase in the 12 months before the end of the period. Lifetime value: all paid orders up to the end of the period, per customer. First-purchase quarters in the company's time zone.": "按已支付订单计算，已退款订单不计。复购：本期内除首单以外的订单。流失：截至本期末 12 个月内没有购买。生命周期价值：截至本期末全部已支付订单金额的人均值。首购季度按公司时区划分。",
    "By customer tier": "按会员等级",
    "By first-purchase quarter": "按首购季度",
    "Segment": "分组",
    "Customer count": "客户数",
    "Bought in the period": "本期购买客户",
    "Repurchase rate": "复购率",
    "Churn rate": "流失率",
    "Churn rate (no purchase in 12 months)": "流失率（12 个月未购买）",
    "Average lifetime value": "平均生命周期价值",
    "Average lifetime value (CNY)": "平均生命周期价值（元）",
    "Revenue in the period": "本期销售额",
    "Revenue in the period (CNY)": "本期销售额（元）",
    "High-value share of revenue": "高价值客户销售额占比",
    "All customers": "全部客户",
    "No customer had a paid order by the end of this period.": "截至本期末还没有客户下过已支付订单。",
    "Breakdown": "维度",
    "Total": "合计",
    "First-purchase quarter": "首购季度",
    # goal metrics
    "High-value customers' share of revenue": "高价值客户销售额占比",
    "Customer churn (no purchase in 12 months)": "客户流失率（12 个月未购买）",
}

# The CSV's column headers are a tuple in analytics/value_export.py, translated at run time.
DYNAMIC = [
    "Churn rate (no purchase in 12 months)",
    "Average lifetime value (CNY)",
    "Revenue in the period (CNY)",
]
