"""Loyalty self-service: points redemptions and their vouchers."""

ZH = {
    "coupon_redemption": "积分兑换",
    "coupon_status_cancelled": "已作废",
}
EN = {
    "coupon_redemption": "Points redemption",
    "coupon_status_cancelled": "cancelled",
}
DYNAMIC = ["coupon_redemption", "coupon_status_cancelled"]
