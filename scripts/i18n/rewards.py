"""Loyalty self-service: points redemptions and their vouchers."""

ZH = {
    "coupon_redemption": "积分兑换",
    "coupon_status_cancelled": "已作废",
    "Rewards store": "积分商城",
    "points": "积分",
    "in stock": "库存",
    "Redeem": "兑换",
    "No rewards yet.": "暂无可兑换的奖励。",
}
EN = {
    "coupon_redemption": "Points redemption",
    "coupon_status_cancelled": "cancelled",
}
DYNAMIC = ["coupon_redemption", "coupon_status_cancelled"]
