"""Loyalty programme: tiers on repurchases, member rewards (birthday month, referral,
long-term award) and their admin pages."""

ZH = {
    "Chats go to the VIP queue": "在线咨询进入 VIP 专席队列",
    "New-product early access": "新品抢先体验",
    "Birthday coupon (CNY, 0 = none)": "生日券金额（元，0 为不发）",
    "Welcome pack coupon with the first order (CNY, 0 = none)": "首单新客礼包券（元，0 为不发）",
    "12-month spend above (CNY)": "近 12 个月消费额高于（元）",
    "Repurchases at least": "复购次数至少",
    "{amount} birthday coupon": "{amount} 生日券",
    "{amount} welcome pack": "{amount} 新客礼包",
    "spend above {spend} CNY and ≥ {n} repurchases": "消费高于 {spend} 元且复购 ≥ {n} 次",
    "spend ≥ {spend} CNY or ≥ {n} repurchases": "消费 ≥ {spend} 元或复购 ≥ {n} 次",
    "a first purchase, or spend below {spend} CNY": "首次购买，或消费低于 {spend} 元",
    "Tiers are recalculated from each customer's orders of the last 12 months; a repurchase is any order "
    "after the customer's first. Changes apply at the next recalculation.": "等级按客户近 12 个月的订单重新计算；"
    "复购指客户首单之后的每一笔订单。修改在下次重新计算时生效。",
    "The high tier's spend must not be below the mid tier's.": "高价值等级的消费门槛不能低于中价值等级。",
    "Member rewards": "会员奖励",
    "member rewards": "会员奖励",
    "Rewards for every member whatever the tier: birthday month, referrals and long-term loyalty.": (
        "不分等级、所有会员都享有的奖励：生日月积分、推荐奖励和长期会员奖励。"
    ),
    "Birthday month": "生日月",
    "Referral": "推荐奖励",
    "Long-term award": "长期会员奖励",
    "{a} to the referrer, {b} to the new customer, at the new customer's first order": (
        "新客户首单入账后，推荐人得 {a}，新客户得 {b}"
    ),
    "{amount} after purchases in each of {n} consecutive years": "连续 {n} 年每年都有购买，奖励 {amount}",
    "Points multiplier in the birthday month": "生日月积分倍数",
    "Applied on top of the tier's multiplier to orders placed in the birthday month; 1 = nothing extra.": (
        "在等级积分倍数之上，生日当月的订单再乘以此倍数；1 表示不额外加倍。"
    ),
    "Referral: coupon for the referrer (CNY)": "推荐奖励：推荐人优惠券（元）",
    "Referral: coupon for the new customer (CNY)": "推荐奖励：新客户优惠券（元）",
    "Referral coupons valid for (days)": "推荐优惠券有效期（天）",
    "Both coupons are issued when the referred customer's first order is recorded.": (
        "被推荐客户的首笔订单入账时，两张优惠券同时发放。"
    ),
    "Long-term award: purchases in each of this many consecutive years": "长期会员奖励：连续多少年每年都有购买",
    "Long-term award coupon (CNY, 0 = none)": "长期会员奖励券（元，0 为不发）",
    "Long-term award valid for (days)": "长期会员奖励有效期（天）",
    "Purchase anniversary coupon (CNY, 0 = none)": "购买周年券（元，0 为不发）",
    "coupon_welcome": "新客礼包",
}
EN = {"coupon_welcome": "Welcome pack"}
DYNAMIC = ["coupon_welcome"]
