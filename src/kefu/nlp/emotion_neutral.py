"""Neutral customer-service questions written for kefu: what the emotion gate learns as
"no opinion" (licensed with the project; no third-party text).

Templates for the shop / delivery / hotel / after-sales / payments domains, filled from slot lists, plus
the general-domain questions shipped for the bot's out-of-scope class (`background.txt`:
written for kefu, and CLINC150's out-of-scope rows, CC BY 3.0).
"""

from __future__ import annotations

import random
from importlib import resources

# Neutral customer-service questions for the shop / delivery / hotel domains, so that the gate
# does not learn "花呗 = neutral, 快递 = opinion" from the finance-only question pairs.
_TEMPLATES = (
    "请问{item}什么时候发货",
    "我的订单什么时候能到",
    "订单{order}到哪里了",
    "能帮我查一下{order}的物流吗",
    "{item}还有货吗",
    "{item}有{color}的吗",
    "{item}有{size}的吗",
    "我想把{item}换成{color}的",
    "怎么修改收货地址",
    "收货地址可以改成{city}吗",
    "发到{city}要几天",
    "{city}能送吗",
    "运费怎么算",
    "可以开发票吗",
    "发票抬头怎么填",
    "怎么申请退货",
    "退款一般多久到账",
    "退货地址是哪里",
    "{item}保修多久",
    "{item}怎么安装",
    "{item}的尺码怎么选",
    "支持货到付款吗",
    "可以用优惠券吗",
    "会员积分怎么用",
    "我想预订{date}的{room}",
    "{room}还有空房吗",
    "几点可以入住",
    "退房时间是几点",
    "酒店有停车位吗",
    "早餐几点开始",
    "可以送到{place}吗",
    "外卖能不能{request}",
    "{food}可以{request}吗",
    "怎么联系配送员",
    "账号怎么注销",
    "密码忘了怎么办",
    "怎么绑定手机号",
    "请问客服几点上班",
    "你好，在吗",
    "在吗？想咨询一下{item}",
    "我想咨询一下{topic}",
    "{topic}怎么办理",
    "请问{topic}需要什么材料",
    "能不能帮我{action}",
    "帮我{action}一下，谢谢",
    "订单号是{order}",
    "我的手机号是{phone}",
    "好的，我知道了",
    "收到",
    "嗯嗯，那我等一下",
)
_SLOTS: dict[str, tuple[str, ...]] = {
    "item": (
        "这款手机",
        "这个耳机",
        "这件外套",
        "这双鞋",
        "洗衣机",
        "这本书",
        "空调",
        "电饭煲",
        "这个包",
        "台灯",
    ),
    "order": ("12345", "20240518001", "9876", "A1029", "这个订单", "昨天的订单", "上周的订单"),
    "color": ("黑色", "白色", "红色", "蓝色", "灰色"),
    "size": ("大号", "小号", "42码", "XL", "中号"),
    "city": ("北京", "上海", "广州", "成都", "杭州", "西安", "武汉", "深圳"),
    "date": ("明天", "周五", "下周一", "5月1号", "国庆"),
    "room": ("大床房", "双床房", "套房", "标准间"),
    "place": ("公司", "学校东门", "小区门口", "三号楼", "酒店前台"),
    "request": ("少放辣", "多放葱", "不要香菜", "晚点送", "分开装"),
    "food": ("这份米线", "牛肉面", "披萨", "奶茶", "盖饭"),
    "topic": ("开发票", "换货", "售后维修", "会员卡", "团购", "以旧换新", "分期付款", "实名认证"),
    "action": ("查一下物流", "改一下地址", "取消订单", "备注一下", "催一下发货", "看一下库存"),
    "phone": ("13800138000", "186****1234", "139xxxx5678"),
    "pay": ("花呗", "借呗", "信用卡", "白条", "分期付款", "会员卡", "钱包余额", "信用额度"),
}


def template_questions(n: int, seed: int) -> list[str]:
    """`n` distinct-ish neutral questions from the templates above (seeded)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        template = rng.choice(_TEMPLATES)
        out.append(template.format(**{k: rng.choice(v) for k, v in _SLOTS.items()}))
    return out


_MORE = (
    "请问{topic}在哪里申请",
    "{item}坏了能保修吗",
    "{item}保修期是多久",
    "我想退货，请问怎么操作",
    "退款什么时候到账",
    "订单显示已签收，我怎么查",
    "{item}怎么连接手机",
    "{item}怎么充电",
    "{item}充满电要多久",
    "维修网点在哪里",
    "附近有没有售后网点",
    "可以上门取件吗",
    "价格保护怎么申请",
    "优惠券怎么领取",
    "发票可以补开吗",
    "电子发票在哪里下载",
    "能不能改成{date}送货",
    "订单取消了钱什么时候退回",
    "我要查一下{order}的退款进度",
    "屏幕维修多少钱",
    "换电池要多少钱",
    "以旧换新怎么算价格",
    "你们几点下班",
    "周末有人值班吗",
    "怎么转人工客服",
    "可以帮我转人工吗",
    "我想问一下{topic}",
    "麻烦看一下{order}",
    "请问{item}支持快充吗",
    "{item}和{item}有什么区别",
    "数据怎么备份",
    "系统怎么升级",
    "怎么恢复出厂设置",
    "会员有什么权益",
    "积分可以抵现吗",
    # payments and accounts: plain questions, so that the gate does not take every 还款 / 额度
    # / 退款 question for a complaint
    "{pay}怎么还款",
    "{pay}的额度怎么提升",
    "{pay}还款日是几号",
    "{pay}可以提前还款吗",
    "{pay}账单在哪里看",
    "怎么开通{pay}",
    "怎么关闭{pay}",
    "{pay}可以分期吗",
    "{item}可以用{pay}付款吗",
    "用{pay}付款的订单退款退到哪里",
    "退款会退回{pay}吗",
    "{pay}的利息怎么算",
    "银行卡怎么解绑",
    "绑定的银行卡怎么更换",
    "支付密码忘了怎么办",
    "余额怎么提现",
    "提现多久到账",
    "怎么修改实名信息",
    "你好",
    "您好，请问一下",
    "谢谢，我再看看",
    "好的",
    "明白了",
)


def _background() -> list[str]:
    text = resources.files("kefu").joinpath("nlp/background.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def neutral_questions(seed: int = 42, n_templates: int = 4000) -> list[str]:
    """Distinct neutral questions: filled templates (seeded) and the background questions."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    for _ in range(n_templates):
        template = rng.choice(_TEMPLATES + _MORE)
        out[template.format(**{k: rng.choice(v) for k, v in _SLOTS.items()})] = None
    for line in _background():
        out[line] = None
    return list(out)
