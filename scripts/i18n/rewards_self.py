"""Chinese UI strings of loyalty self-service: the portal's 推荐有礼 page, the referral
link's landing page and its errors."""

ZH = {
    "Refer a friend": "推荐有礼",
    "Your referral code": "我的推荐码",
    "Share this link:": "分享此链接：",
    "When a friend who signs up through it places a first order, you both get a coupon.": (
        "好友通过此链接注册并完成首单后，您和好友都将获得优惠券。"
    ),
    "Friends you referred": "我推荐的好友",
    "No referrals yet.": "还没有推荐记录。",
    "My redemptions": "我的兑换",
    "No redemptions yet.": "还没有兑换记录。",
    "referral_status_pending": "待首单",
    "referral_status_rewarded": "已发放奖励",
    "redemption_status_issued": "已发券",
    "redemption_status_pending": "待发货",
    "redemption_status_fulfilled": "已完成",
    "redemption_status_cancelled": "已取消",
    "Please ask your friend for their link again.": "请向好友重新索取推荐链接。",
    "Welcome!": "欢迎！",
    "You are registered. Your welcome coupon arrives with your first order.": "注册成功，首单完成后即可获得优惠券。",
    "A friend invited you": "好友邀请您",
    "{name} thinks you will like us.": "{name} 向您推荐了我们。",
    "invalid referral link": "推荐链接无效",
    "give an email address or a mobile number": "请填写邮箱或手机号",
    "Mobile": "手机号",
    "Join": "注册",
    "My coupons": "我的优惠券",
}

EN = {
    "referral_status_pending": "Waiting for the first order",
    "referral_status_rewarded": "Rewarded",
    "redemption_status_issued": "Voucher issued",
    "redemption_status_pending": "Awaiting fulfilment",
    "redemption_status_fulfilled": "Fulfilled",
    "redemption_status_cancelled": "Cancelled",
}

DYNAMIC = [*EN]
