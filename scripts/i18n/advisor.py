"""Dedicated advisors (专属顾问): the 360° form, 我的客户, the portal line, the 会员奖励 field,
errors; and the ticket-queue priority benefit now offered on the tier form."""

ZH = {
    "No dedicated advisor.": "暂无专属顾问。",
    "12-month spend": "近 12 个月消费",
    "threshold": "门槛",
    "eligible": "符合条件",
    "not eligible": "不符合条件",
    "Advisor": "顾问",
    "{n} customers": "{n} 位客户",
    "Change advisor": "更换顾问",
    "Assign advisor": "指派顾问",
    "Remove advisor": "取消顾问",
    "Nobody is in the advisor group yet.": "专属顾问组还没有成员。",
    "Your dedicated advisor: {name}": "您的专属顾问: {name}",
    "My customers": "我的客户",
    "Customers whose dedicated advisor you are: a 12-month spend of at least ¥{amount}; their email "
    "and portal requests come to you first.": "您担任专属顾问的客户（近 12 个月消费不低于 ¥{amount}）；"
    "他们的邮件和自助门户请求会优先分配给您。",
    "Show": "查看",
    "Customer": "客户",
    "Last contact": "最近联系",
    "No customers assigned to you yet.": "还没有分配给您的客户。",
    "Eligible customers without an advisor": "符合条件但尚无顾问的客户",
    "Every eligible customer has an advisor.": "所有符合条件的客户都已有专属顾问。",
    "After-sales priority in the ticket queue": "售后工单优先处理",
    "Dedicated advisor from a yearly spend of (CNY)": "专属顾问门槛：近 12 个月消费（元）",
    "Customers whose rolling 12-month spend reaches this can get a dedicated advisor from the advisor "
    "group; the advisor is removed when their spend falls below it.": "近 12 个月消费达到此金额的客户可由主管指派"
    "专属顾问（来自专属顾问组）；消费低于此金额时自动取消。",
    "from a 12-month spend of {amount}": "近 12 个月消费满 {amount}",
    "customer is not eligible for a dedicated advisor: 12-month spend {spend} CNY is below {threshold} "
    "CNY": "该客户不符合专属顾问条件：近 12 个月消费 {spend} 元，低于 {threshold} 元",
    "the advisor must be an active member of the group {group}": "顾问必须是「{group}」组的在职成员",
}
