"""The demo company's bot intents (星辰电子): customer phrasings, answers backed by the KB articles,
hand-offs and the order lookup, as plain data the demo loader turns into the bot's intents."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoIntent:
    name: str  # ascii snake_case code, unique
    title: str  # short Chinese label shown on a quick-reply button (≤ 10 chars), unique
    examples: tuple[str, ...]  # ≥ 12 varied Chinese customer phrasings
    examples_en: tuple[str, ...]  # ≥ 4 English phrasings
    answer: str  # Chinese answer, consistent with the articles (placeholders only for "http")
    answer_en: str
    articles: tuple[str, ...] = ()  # exact titles from kb_articles.ARTICLES backing the answer
    action: str = "answer"  # "answer" | "handoff" | "http"
    group: str | None = None  # for action "handoff" (or human_only): 售前咨询, 售后维修, 投诉处理, VIP专席
    human_only: bool = False  # a person must handle it (the bot hands off after asking its questions)
    buttons: tuple[str, ...] = ()  # follow-up quick replies (titles of other intents, or "转人工")
    slots: tuple[tuple[str, str, str], ...] = field(default=())  # "http": (slot, Chinese prompt, regex)


INTENTS: tuple[DemoIntent, ...] = (
    # ------------------------------------------------------------------ conversation
    DemoIntent(
        name="greeting",
        title="打招呼",
        examples=(
            "你好",
            "您好",
            "在吗",
            "在不在",
            "有人吗",
            "哈喽",
            "你好，在吗？",
            "嗨",
            "早上好",
            "晚上好呀",
            "客服你好",
            "您好，打扰一下",
            "hi，在吗",
            "喂，有人在吗",
            "下午好",
            "你好你好",
            "嗨，你好",
            "哈喽，在吗",
            "hello 客服",
            "嗨，在不在",
            "你好，请问有人吗",
            "哈喽哈喽，小星在吗",
            "晚上好，客服",
            "中午好",
        ),
        examples_en=("hello", "hi there", "good morning", "anyone there?"),
        answer=(
            "您好！我是星辰电子智能客服小星，7×24 小时在线。订单物流、退换货、维修保修、产品使用等问题都可以直接问我，"
            "需要人工服务时输入「转人工」即可。"
        ),
        answer_en=(
            "Hello! I'm Xiaoxing, Xingchen Electronics' virtual assistant, online 24/7. Ask me about orders and delivery, "
            "returns, repairs and warranty, or how to use your device; type “human” any time to reach an agent."
        ),
        buttons=("查询订单", "退换货政策", "申请维修", "转人工"),
    ),
    DemoIntent(
        name="thanks",
        title="结束咨询",
        examples=(
            "谢谢",
            "好的谢谢",
            "没问题了",
            "明白了",
            "好的，知道了",
            "多谢",
            "谢啦",
            "解决了，谢谢你",
            "没有别的问题了",
            "行，就这样吧",
            "感谢你的帮助",
            "OK了",
            "辛苦了",
            "好嘞",
            "懂了，谢谢客服",
            "可以了，没事了",
            "好的好的",
            "行吧，谢谢",
            "就这样，谢谢了",
            "ok 谢谢",
            "知道了，谢谢啦",
            "嗯嗯好的",
            "没别的事了",
            "太感谢了",
            "辛苦啦，谢谢",
        ),
        examples_en=("thanks", "thank you so much", "that's all", "got it, thanks"),
        answer="不客气，很高兴能帮到您！之后还有任何问题，随时来找小星。祝您生活愉快～",
        answer_en="You're welcome, glad I could help! Come back any time you have another question.",
    ),
    DemoIntent(
        name="human_agent",
        title="人工客服",
        examples=(
            "我要人工",
            "找客服",
            "人工客服在哪",
            "怎么联系人工客服",
            "帮我接个真人",
            "机器人听不懂，给我换人工",
            "有没有真人客服",
            "我不想跟机器人聊",
            "转接人工服务",
            "能不能让客服小姐姐来",
            "人工",
            "叫你们客服出来",
            "我要跟真人说话",
            "请帮我转一下人工",
            "找个活人聊",
            "别自动回复了，要人工",
            "人工客服",
            "转人工客服",
            "人工在哪里",
            "给我转人工",
            "客服小姐姐在吗，我要人工",
            "我要找人工客服处理",
            "找人工客服",
            "客服在哪",
            "我要找客服",
            "叫个客服来跟我说",
            "有客服吗，帮我转过去",
        ),
        examples_en=(
            "talk to a human",
            "I want a real person",
            "connect me to an agent",
            "human agent please",
        ),
        answer="好的，正在为您转接人工客服，请稍候。高价值会员将由专属顾问优先接待。",
        answer_en="Sure, connecting you to a customer service agent. Please hold on a moment.",
        articles=("如何联系人工客服？",),
        action="handoff",
        group="售前咨询",
    ),
    # ------------------------------------------------------------------ 咨询
    DemoIntent(
        name="business_hours",
        title="客服时间",
        examples=(
            "客服几点上班",
            "你们客服工作时间是几点到几点",
            "晚上几点下班",
            "人工客服几点有人",
            "周末有客服吗",
            "节假日客服上班吗",
            "国庆期间人工客服在不在",
            "早上几点开始有人工",
            "电话客服什么时候能打通",
            "半夜留言什么时候回复",
            "夜里发的消息啥时候有人回",
            "春节期间客服正常吗",
            "客服是24小时的吗",
            "你们几点下班啊",
            "请问客服服务时间",
            "客服上班时间",
            "人工客服几点下班",
            "晚上10点还有人工吗",
            "客服工作时间",
            "节假日有人工服务吗",
            "几点有人工",
            "人工几点上班",
            "24小时客服吗",
            "智能客服是24小时吗",
            "晚上留言什么时候回",
            "客服电话几点能打",
            "电话客服几点下班",
        ),
        examples_en=(
            "what are your customer service hours",
            "when is live chat open",
            "are agents available on holidays",
            "what time do agents go offline",
        ),
        answer=(
            "在线客服和电话客服每天 9:00–21:00 服务，法定节假日照常。智能客服 7×24 小时在线，"
            "夜间留言会在次日上班后 2 小时内回复。"
        ),
        answer_en=(
            "Live chat and phone support are available 9:00–21:00 every day, including public holidays. "
            "The bot answers 24/7, and messages left at night are answered within 2 hours of opening the next day."
        ),
        articles=("客服工作时间是什么时候？",),
        buttons=("人工客服",),
    ),
    DemoIntent(
        name="service_points",
        title="服务网点",
        examples=(
            "附近有没有线下网点",
            "你们的售后网点在哪",
            "北京有服务中心吗",
            "线下门店地址在哪里查",
            "怎么预约到店",
            "想去网点贴膜怎么预约",
            "上海浦东有维修点吗",
            "离我最近的服务网点",
            "网点营业时间是多少",
            "到店要排队吗",
            "线下服务中心怎么找",
            "能不能预约周六去门店",
            "广州哪里有星辰售后",
            "服务网点能做哪些服务",
            "请问杭州有线下店吗",
            "去网点需要提前约吗",
            "附近维修点在哪",
            "哪里有线下维修点",
            "网点地址在哪看",
            "我想去门店看看",
            "服务网点怎么预约",
        ),
        examples_en=(
            "where is the nearest service center",
            "how do I book a store visit",
            "service point near me",
            "do you have offline stores",
        ),
        answer=(
            "打开「星辰商城」App →「服务」→「服务网点」即可查看附近网点的地址和营业时间，并可在线预约时段，到店无需排队。"
            "网点提供检测、维修、贴膜和以旧换新服务。"
        ),
        answer_en=(
            "Open the Xingchen Mall app → Service → Service points to see nearby addresses and opening hours, and book "
            "a time slot online so you don't have to queue. Service points offer diagnostics, repairs, screen "
            "protectors and trade-ins."
        ),
        articles=("线下服务网点在哪里？如何预约？",),
        buttons=("申请维修", "以旧换新"),
    ),
    DemoIntent(
        name="membership_benefits",
        title="会员权益",
        examples=(
            "会员有什么权益",
            "高价值会员有啥好处",
            "会员等级怎么评定的",
            "我是什么等级的会员",
            "会员积分几倍",
            "怎么升级成高价值会员",
            "中价值会员有生日券吗",
            "会员有专属顾问吗",
            "会员等级是按什么算的",
            "潜力会员是什么意思",
            "会员能免费上门服务吗",
            "VIP有哪些福利",
            "成为会员有什么优惠",
            "请问会员分几个等级",
            "消费多少能当高级会员",
            "会员等级",
            "会员权益有哪些",
            "高价值会员怎么评的",
            "积分倍数怎么算",
            "我的会员等级在哪看",
            "VIP会员权益",
            "VIP怎么升级",
        ),
        examples_en=(
            "what are the membership tiers",
            "member benefits",
            "how do I become a high-value member",
            "do members earn more points",
        ),
        answer=(
            "会员分高价值、中价值、潜力三档，按近 12 个月的消费金额和复购次数评定。高价值会员享专属顾问、优先接入、"
            "免费上门服务和 1.5 倍积分；中价值会员享 1.2 倍积分和生日券；潜力会员享新人券和 1 倍积分。"
        ),
        answer_en=(
            "There are three tiers — high-value, mid-value and potential — based on your spending and repeat purchases "
            "over the last 12 months. High-value members get a personal advisor, priority service, free on-site "
            "service and 1.5× points; mid-value members get 1.2× points and a birthday coupon; potential members get "
            "a welcome coupon and 1× points."
        ),
        articles=("会员等级有哪些权益？",),
        buttons=("保修期", "优惠券"),
    ),
    DemoIntent(
        name="product_compare",
        title="X5对比X5 Pro",
        examples=(
            "X5 和 X5 Pro 有什么区别",
            "X5 Pro 比 X5 多了啥",
            "买 X5 还是 X5 Pro",
            "Pro 版防水吗",
            "X5 支持无线充电吗",
            "X5 Pro 长焦是几倍",
            "这两款手机电池多大",
            "X5 Pro 最大多少存储",
            "X5 有1TB的吗",
            "喜欢拍照选哪款手机",
            "纠结 X5 和 Pro 选哪个",
            "X5 Pro 值不值得多花钱",
            "X5 屏幕多大",
            "X5 Pro 有 IP68 吗",
            "X5 和 Pro 屏幕一样吗",
            "预算有限，X5 够用吗",
            "X5 电池多大",
            "X5 Pro 屏幕尺寸多少",
            "Pro 和普通版差在哪",
            "X5 Pro 多少倍变焦",
            "X5 防不防水",
            "两款手机存储最大多少",
            "X5 Pro 无线充电多少瓦",
            "X5 屏幕刷新率多少",
        ),
        examples_en=(
            "difference between X5 and X5 Pro",
            "is the X5 Pro waterproof",
            "which phone has the better camera",
            "does the X5 support wireless charging",
        ),
        answer=(
            "X5 Pro 比 X5 多了长焦镜头（3 倍光学变焦）、50W 无线充电和 IP68 防水。两者都是 6.7 英寸 120Hz OLED 屏；"
            "电池 X5 为 5000mAh、X5 Pro 为 5200mAh；存储 X5 最高 512GB、X5 Pro 最高 1TB。注重拍照和防水推荐 X5 Pro。"
        ),
        answer_en=(
            "The X5 Pro adds a telephoto lens (3× optical zoom), 50W wireless charging and IP68 water resistance. "
            "Both have a 6.7-inch 120Hz OLED screen; the battery is 5000mAh on the X5 and 5200mAh on the X5 Pro; "
            "storage goes up to 512GB on the X5 and 1TB on the X5 Pro. For photography and water resistance, "
            "choose the X5 Pro."
        ),
        articles=("星辰手机 X5 和 X5 Pro 有什么区别？",),
        buttons=("支付与分期", "以旧换新"),
    ),
    DemoIntent(
        name="noise_cancelling",
        title="耳机降噪",
        examples=(
            "Buds 3 有降噪吗",
            "耳机降噪怎么开",
            "降噪有几档",
            "通透模式怎么切换",
            "Buds 3 降噪效果怎么样",
            "降噪深度多少分贝",
            "开降噪能用多久",
            "耳机续航多长时间",
            "配上充电盒总共能听多久",
            "地铁上能用降噪吗",
            "怎么关掉降噪",
            "Buds3 支持主动降噪吗",
            "长按耳机柄是干嘛的",
            "想买个降噪耳机，Buds 3 行不行",
            "坐飞机戴 Buds 3 能隔音吗",
            "降噪模式怎么调成弱",
            "Buds 3 续航多久",
            "耳机降噪效果好吗",
            "降噪和通透怎么切",
            "降噪耳机推荐",
            "通透模式是什么",
            "怎么开通透模式",
            "降噪开了续航多久",
            "隔音效果怎么样",
            "Buds 3 能降多少噪音",
        ),
        examples_en=(
            "does Buds 3 have noise cancelling",
            "how to switch to transparency mode",
            "battery life of Buds 3 with ANC on",
            "how many ANC levels are there",
        ),
        answer=(
            "支持。Buds 3 提供强/中/弱三档主动降噪和通透模式，长按耳机柄 2 秒即可切换，降噪深度最高 45dB。"
            "开启降噪后单次续航约 6 小时，配合充电盒总续航 30 小时。"
        ),
        answer_en=(
            "Yes. Buds 3 has three levels of active noise cancelling (strong/medium/light) plus a transparency mode; "
            "press and hold the stem for 2 seconds to switch. Noise reduction reaches 45dB; with ANC on you get about "
            "6 hours per charge and 30 hours in total with the case."
        ),
        articles=("星辰耳机 Buds 3 支持主动降噪吗？",),
        buttons=("耳机连不上", "耳机单边无声"),
    ),
    DemoIntent(
        name="pad_as_laptop",
        title="平板办公",
        examples=(
            "Pad 11 能当电脑用吗",
            "平板能接键盘鼠标吗",
            "Pad 11 适合办公吗",
            "平板能分屏多开吗",
            "电脑模式怎么开",
            "用 Pad 11 上网课行不行",
            "平板能跑大型设计软件吗",
            "学生写论文用 Pad 11 够吗",
            "平板能外接鼠标吗",
            "Pad 11 能不能代替笔记本",
            "平板可以多窗口吗",
            "用平板做 PPT 方便吗",
            "出差带平板办公可以吗",
            "Pad 11 有没有配套键盘",
            "想买平板办公，推荐吗",
            "电脑模式在哪打开",
            "平板电脑模式能干嘛",
            "Pad 11 办公好用吗",
            "平板接键盘能打字吗",
            "Pad 11 能接鼠标吗",
        ),
        examples_en=(
            "can Pad 11 replace a laptop",
            "does the tablet support a keyboard and mouse",
            "desktop mode on Pad 11",
            "is Pad 11 good for office work",
        ),
        answer=(
            "Pad 11 支持星辰键盘和手写笔，开启「电脑模式」后可以多窗口操作、外接鼠标，适合文档编辑、网课和轻度办公。"
            "如需运行大型设计软件等专业软件，建议选择笔记本电脑。"
        ),
        answer_en=(
            "Pad 11 works with the Xingchen keyboard and stylus; turn on Desktop mode for multiple windows and a mouse. "
            "It suits documents, online classes and light office work — for professional software such as large "
            "design suites, a laptop is the better choice."
        ),
        articles=("平板 Pad 11 能当电脑用吗？",),
        buttons=("连接手写笔",),
    ),
    DemoIntent(
        name="smart_speaker",
        title="音箱控制家电",
        examples=(
            "智能音箱怎么控制灯",
            "音箱能开空调吗",
            "小星小星怎么用",
            "音箱怎么绑定家里的设备",
            "说话开灯怎么设置",
            "我家空调能用音箱控制吗",
            "音箱支持哪些品牌的家电",
            "音箱怎么连星辰智家",
            "语音控制客厅灯怎么设置",
            "老式空调没有wifi能用音箱控制吗",
            "智能音箱能控制别的牌子的灯吗",
            "音箱唤醒词是什么",
            "怎么让音箱关窗帘",
            "音箱添加设备的步骤",
            "设备兼容列表在哪看",
            "音箱控制空调",
            "用音箱开灯",
            "智能音箱怎么绑定灯",
            "音箱怎么控制家电",
            "对音箱说小星小星没反应",
            "设备兼容页面在哪",
            "音箱兼容哪些设备",
            "音箱能控制哪些牌子",
        ),
        examples_en=(
            "how to control lights with the smart speaker",
            "can the speaker turn on my air conditioner",
            "which brands does the speaker support",
            "what is the speaker's wake word",
        ),
        answer=(
            "在「星辰智家」App 中添加设备并绑定到同一家庭，然后对音箱说「小星小星，打开客厅灯」即可。"
            "支持的品牌见 App 的「设备兼容」页面；空调需为带红外或 Wi‑Fi 的型号。"
        ),
        answer_en=(
            "Add your devices in the Xingchen Home app and put them in the same home as the speaker, then say "
            "“Xiaoxing Xiaoxing, turn on the living room light”. Supported brands are listed on the app's Device "
            "compatibility page; air conditioners need infrared or Wi-Fi."
        ),
        articles=("智能音箱怎么控制家里的灯和空调？",),
        buttons=("摄像头离线",),
    ),
    DemoIntent(
        name="privacy",
        title="个人信息保护",
        examples=(
            "你们怎么保护我的个人信息",
            "我的手机号会泄露吗",
            "客服能看到我的地址吗",
            "怎么删除我的个人信息",
            "能导出我的个人数据吗",
            "我的信息安全吗",
            "你们会卖用户数据吗",
            "隐私政策在哪看",
            "客服能看到我完整手机号吗",
            "我不想让你们保存我的信息",
            "个人信息你们是怎么处理的",
            "接到骚扰电话是不是你们泄露的",
            "申请删除个人信息",
            "注销账号后数据会删掉吗",
            "个人信息安全吗",
            "隐私怎么保护",
            "删除我的信息",
            "我的数据你们存多久",
        ),
        examples_en=(
            "how do you protect my personal data",
            "delete my personal information",
            "privacy policy",
            "can agents see my phone number",
        ),
        answer=(
            "我们依据《个人信息保护法》处理您的信息：客服只能看到脱敏后的手机号，查看完整信息会被记录审计。"
            "您可以申请导出或删除个人信息。"
        ),
        answer_en=(
            "We handle your data under the Personal Information Protection Law: agents only see a masked phone number, "
            "and viewing full details is logged for audit. You can ask to export or delete your personal information."
        ),
        articles=("你们如何保护我的个人信息？",),
        buttons=("人工客服",),
    ),
    # ------------------------------------------------------------------ 购买
    DemoIntent(
        name="shipping_time",
        title="发货时间",
        examples=(
            "下单后多久发货",
            "什么时候发货",
            "今天买明天能发吗",
            "付款了怎么还没发货",
            "大促期间发货慢吗",
            "预售的什么时候发",
            "现货几天发出",
            "拍了怎么还不发货",
            "双十一发货要多久",
            "多久能发出去",
            "付完款一般多久发货啊",
            "预售商品发货时间在哪看",
            "24小时内能发吗",
            "急用，能尽快发货吗",
            "X5 Pro 现在下单几天发",
            "24小时发货吗",
            "下单多久能发",
            "现货什么时候发货",
            "预售几天发货",
            "大促发货慢不慢",
            "X5 下单后多久发货",
            "X5 Pro 什么时候发货",
            "Buds 3 下单多久能发",
        ),
        examples_en=(
            "when will my order ship",
            "how long until dispatch",
            "shipping time for pre-orders",
            "do you ship within 24 hours",
        ),
        answer=(
            "现货商品付款后 24 小时内发货（大促期间 48 小时内），预售商品以商品页标注的发货时间为准。"
            "发货后可在「我的订单」查看物流单号。"
        ),
        answer_en=(
            "In-stock items ship within 24 hours of payment (48 hours during big sales); pre-orders ship on the date "
            "shown on the product page. Once shipped, the tracking number appears in My orders."
        ),
        articles=("下单后多久发货？",),
        buttons=("查询订单", "修改地址"),
    ),
    DemoIntent(
        name="order_status",
        title="查询订单",
        examples=(
            "帮我查下订单",
            "我的快递到哪了",
            "查物流",
            "订单号 XC2024051234 到哪了",
            "我的包裹什么时候能到",
            "物流信息怎么查",
            "查一下我的订单状态",
            "我的快递单号是多少",
            "东西发出来了吗，帮我看下",
            "我买的耳机到哪儿了",
            "XC1234567890 物流",
            "怎么看快递进度",
            "帮我查查快递",
            "物流好几天没更新了",
            "我想查订单",
            "订单XC3021456789现在什么状态",
            "快递到哪了帮我看看",
            "物流进度查询",
            "查快递",
            "我的订单发货了没",
            "包裹到哪一步了",
            "订单什么时候能送到",
            "查一下物流到哪了",
            "快递进度怎么查",
            "快递几天能到",
            "快递到哪里了",
            "物流到哪了",
            "什么时候送到",
            "今天能送到吗",
            "我的订单到哪了",
            "订单发货了吗，帮我查",
            "查下订单物流",
        ),
        examples_en=(
            "where is my order",
            "track my package",
            "order status XC1234567890",
            "check my delivery",
        ),
        answer="订单 {order_no} 当前状态：{status}，{carrier} 运单号 {tracking_no}，{delivery}。",
        answer_en="Order {order_no}: {status}. {carrier} tracking number {tracking_no}, expected delivery {eta}.",
        articles=("怎么查询物流信息？",),
        action="http",
        slots=(("order_no", "请提供您的订单号（以 XC 开头的 12 位编号）", r"XC\d{10}"),),
    ),
    DemoIntent(
        name="change_address",
        title="修改地址",
        examples=(
            "地址填错了怎么改",
            "怎么修改收货地址",
            "能换个收货地址吗",
            "下单后还能改地址吗",
            "已经发货了还能改地址吗",
            "收件人电话写错了",
            "想改成公司地址",
            "帮我把地址改一下",
            "寄到老家去了能改吗",
            "快递能改派吗",
            "地址少写了门牌号",
            "修改收货人信息",
            "搬家了，订单地址要改",
            "还没发货，改个地址",
            "能不能拦截快递改地址",
            "收货地址写错了",
            "改一下收货地址",
            "订单地址怎么改",
            "让快递改派到新地址",
            "收货人信息填错了",
        ),
        examples_en=(
            "change my shipping address",
            "I entered the wrong address",
            "can I update the delivery address after ordering",
            "redirect my parcel",
        ),
        answer=(
            "订单未发货前，可在「我的订单」→「修改地址」自行修改；已发货的订单请联系快递公司改派，或联系在线客服协助拦截。"
        ),
        answer_en=(
            "Before the order ships you can change it yourself in My orders → Change address. If it has already "
            "shipped, ask the courier to redirect it, or contact live chat and we'll help intercept it."
        ),
        articles=("如何修改收货地址？",),
        buttons=("查询订单", "人工客服"),
    ),
    DemoIntent(
        name="cancel_order",
        title="取消订单",
        examples=(
            "怎么取消订单",
            "我不想要了，能取消吗",
            "拍错了想取消",
            "订单取消后钱怎么退",
            "取消订单在哪里操作",
            "下错单了帮我取消",
            "刚下的单能撤销吗",
            "已经发货了还能取消吗",
            "重复下单了，取消一个",
            "不买了怎么取消",
            "帮我把订单取消掉",
            "付款后反悔了想取消",
            "取消订单按钮找不到",
            "没发货的订单能直接取消吗",
            "取消订单",
            "订单不要了，取消",
            "我想取消刚才的订单",
            "还没发货能取消吗",
            "撤销订单",
            "撤回刚下的订单",
        ),
        examples_en=(
            "cancel my order",
            "I ordered by mistake",
            "how do I cancel an order",
            "can I cancel after it shipped",
        ),
        answer=(
            "未发货的订单可在「我的订单」中直接取消，款项原路退回，1–7 个工作日到账。已发货的订单请在签收后申请退货。"
        ),
        answer_en=(
            "Orders that haven't shipped can be cancelled directly in My orders; the money goes back to your original "
            "payment method within 1–7 working days. If it has shipped, please request a return after delivery."
        ),
        articles=("如何取消订单？",),
        buttons=("申请退货退款", "退款到账时间"),
    ),
    DemoIntent(
        name="payment_methods",
        title="支付与分期",
        examples=(
            "支持哪些支付方式",
            "可以用支付宝吗",
            "能分期吗",
            "信用卡能付吗",
            "分期免息吗",
            "可以用云闪付吗",
            "微信能付款吗",
            "最多能分几期",
            "买多少钱能分期",
            "X5 Pro 有免息分期吗",
            "付款方式有哪些",
            "12期分期怎么选",
            "不满1000能分期吗",
            "银联卡能用吗",
            "分期在哪里选",
            "怎么付款",
            "用微信支付可以吗",
            "付款能用哪些方式",
            "能刷信用卡吗",
            "分期付款怎么弄",
            "手机可以分期付款吗",
        ),
        examples_en=(
            "what payment methods do you accept",
            "can I pay in installments",
            "do you take Alipay",
            "interest-free installments",
        ),
        answer=(
            "支持微信支付、支付宝、银联云闪付和信用卡。单笔满 1000 元可选择 3/6/12 期分期，部分机型享受免息，"
            "以结算页显示为准。"
        ),
        answer_en=(
            "We accept WeChat Pay, Alipay, UnionPay QuickPass and credit cards. Orders of 1000 yuan or more can be paid "
            "in 3, 6 or 12 installments, interest-free on some models — see the checkout page."
        ),
        articles=("支持哪些支付方式？可以分期吗？",),
        buttons=("优惠券", "开发票"),
    ),
    DemoIntent(
        name="invoice",
        title="开发票",
        examples=(
            "怎么开发票",
            "发票在哪申请",
            "能开专票吗",
            "增值税专用发票怎么开",
            "电子发票发到哪里",
            "下单忘记勾发票了",
            "公司报销要发票",
            "能开纸质发票吗",
            "发票邮箱没收到",
            "订单完成后还能补开发票吗",
            "开票需要什么信息",
            "企业怎么开票",
            "发票什么时候开",
            "个人能开发票吗",
            "帮我开张发票",
            "发票怎么开",
            "需要开发票",
            "电子发票在哪下载",
            "专票怎么申请",
        ),
        examples_en=(
            "how do I get an invoice",
            "I need a VAT special invoice",
            "I need a receipt for reimbursement",
            "where is my e-invoice",
        ),
        answer=(
            "下单时勾选「开具发票」，或订单完成后在「我的订单」→「申请发票」申请。默认开具电子普通发票并发送到您的邮箱；"
            "需要增值税专用发票请提供企业信息并联系客服。"
        ),
        answer_en=(
            "Tick “Issue invoice” when ordering, or go to My orders → Request invoice after the order is complete. "
            "By default we issue an electronic general invoice to your email; for a VAT special invoice, contact us "
            "with your company details."
        ),
        articles=("如何开具发票？",),
        buttons=("人工客服",),
    ),
    DemoIntent(
        name="coupon",
        title="优惠券",
        examples=(
            "优惠券怎么用",
            "为什么优惠券用不了",
            "券用不上",
            "结算时没显示优惠券",
            "领的券在哪里看",
            "优惠券过期了",
            "满减券能和活动叠加吗",
            "优惠券不能用在这个商品上吗",
            "优惠券门槛是多少",
            "怎么使用折扣券",
            "我的新人券怎么没了",
            "下单怎么抵扣优惠券",
            "两张券能一起用吗",
            "优惠券规则在哪看",
            "买耳机能用手机的券吗",
            "我的优惠券在哪看",
            "券在哪里",
            "优惠券怎么用不了",
            "满减券怎么用",
            "领的优惠券在哪",
        ),
        examples_en=(
            "how do I use a coupon",
            "my coupon doesn't work",
            "where are my coupons",
            "can coupons be combined",
        ),
        answer=(
            "结算时系统会自动选择可用的优惠券。用不了的常见原因有：未达到使用门槛、券已过期、商品不在适用范围、"
            "与其他活动不可叠加。具体规则可在「我的 → 优惠券」查看。"
        ),
        answer_en=(
            "Checkout picks an eligible coupon automatically. A coupon usually can't be used because the minimum spend "
            "isn't met, it has expired, the product isn't covered, or it can't be combined with another promotion. "
            "See Me → Coupons for the rules."
        ),
        articles=("优惠券怎么用？为什么用不了？",),
        buttons=("降价退差价", "会员权益"),
    ),
    DemoIntent(
        name="trade_in",
        title="以旧换新",
        examples=(
            "以旧换新怎么弄",
            "旧手机能抵多少钱",
            "X3 换 X5 能抵扣吗",
            "旧机怎么估价",
            "以旧换新旧机什么时候寄",
            "旧手机寄到哪",
            "换新要先把旧机寄过去吗",
            "以旧换新能去门店办吗",
            "老手机你们回收吗",
            "旧平板能参加换新吗",
            "旧机成色一般能换吗",
            "以旧换新多少天内寄回旧机",
            "我想用旧手机换新机",
            "换新的钱是下单直接减吗",
            "以旧换新",
            "旧机能抵钱吗",
            "以旧换新估价多少",
            "旧手机怎么换新",
            "旧手机回收",
            "X3 能换 X5 吗",
            "旧机抵扣多少",
            "旧手机回收换新",
            "以旧换新能换 X5 Pro 吗",
        ),
        examples_en=(
            "how does trade-in work",
            "how much is my old phone worth",
            "trade in my old phone for the X5",
            "when do I send in my old device",
        ),
        answer=(
            "在商品页点击「以旧换新」，填写旧机型号和成色即可获得估价，下单时直接抵扣。"
            "新机签收后 14 天内将旧机寄回或送至服务网点，检测无误后即完成换新。"
        ),
        answer_en=(
            "Tap “Trade-in” on the product page and enter your old device's model and condition to get a quote, "
            "which is deducted at checkout. Within 14 days of receiving the new device, send the old one back or drop "
            "it at a service point; the trade-in completes once it passes inspection."
        ),
        articles=("以旧换新怎么操作？",),
        buttons=("服务网点", "X5对比X5 Pro"),
    ),
    DemoIntent(
        name="price_protection",
        title="降价退差价",
        examples=(
            "买完就降价了能退差价吗",
            "价保怎么申请",
            "刚买三天降了200",
            "有价格保护吗",
            "价保是多少天",
            "降价了怎么补差价",
            "直播间买的能价保吗",
            "秒杀买的能退差价吗",
            "前天买的今天就便宜了",
            "差价退到哪里",
            "保价怎么申请",
            "签收一周内降价能退吗",
            "别的平台更便宜能价保吗",
            "买贵了能补差价吗",
            "刚买两天就降价了",
            "买了没几天就降价",
            "降了两百能退吗",
            "价格降了补差价",
            "差价能退吗",
            "降价能价保吗",
            "降价补差",
            "降价退差价",
            "价保几天",
            "降价了能退吗",
            "价保申请入口",
            "降价价保期多久",
        ),
        examples_en=(
            "the price dropped after I bought it",
            "do you have price protection",
            "refund the price difference",
            "how long is price protection",
        ),
        answer=(
            "自签收之日起 7 天内，同一商品在星辰官方商城降价的，可申请价格保护，差价按原支付方式退回。"
            "秒杀、直播专享价等限时活动不参与价保。"
        ),
        answer_en=(
            "Within 7 days of delivery, if the same product drops in price in the official Xingchen Mall, you can "
            "claim price protection and the difference is refunded to your original payment method. Flash sales and "
            "livestream-only prices are excluded."
        ),
        articles=("买完降价了可以退差价吗？",),
        buttons=("优惠券",),
    ),
    # ------------------------------------------------------------------ 使用
    DemoIntent(
        name="charging_problem",
        title="充不进电",
        examples=(
            "手机充不进电",
            "充电没反应",
            "插上充电器不显示在充电",
            "充电特别慢",
            "X5 充不上电了",
            "电量一直不涨",
            "充电口接触不良",
            "手机充电时断时续",
            "充到80%就不充了",
            "换了数据线也充不进",
            "快充不起作用",
            "手机插电没反应怎么办",
            "充电图标不显示",
            "无线充电没反应",
            "充了一晚上电还是没满",
            "充电断断续续",
            "充不上电",
            "充电器插上没反应",
            "手机充电充不进去",
            "充电口坏了充不进电",
        ),
        examples_en=(
            "my phone won't charge",
            "charging is very slow",
            "phone stops charging at 80%",
            "charging port not working",
        ),
        answer=(
            "请依次尝试：1. 更换原装充电器和数据线；2. 清理充电口的灰尘；3. 长按电源键 15 秒强制重启；"
            "4. 在「设置 → 电池」查看是否开启了「智能充电保护」。仍无法充电请预约检测，保修期内免费维修。"
        ),
        answer_en=(
            "Please try: 1. another original charger and cable; 2. clean dust out of the charging port; 3. hold the "
            "power button for 15 seconds to force a restart; 4. check whether Smart charging protection is on under "
            "Settings → Battery. If it still won't charge, book a check-up — repairs are free under warranty."
        ),
        articles=("手机充不进电怎么办？",),
        buttons=("申请维修", "服务网点"),
    ),
    DemoIntent(
        name="overheating",
        title="手机发热",
        examples=(
            "手机发烫正常吗",
            "玩游戏手机好烫",
            "X5 待机也发热",
            "手机充电的时候很热",
            "手机烫手怎么办",
            "机身温度太高了",
            "手机背面特别热",
            "一打王者就发烫",
            "放口袋里都是热的",
            "手机发热严重",
            "夏天手机过热",
            "刷视频手机很烫",
            "手机温度高会不会坏",
            "什么都没开手机也发烫",
            "手机温度很高",
            "机身发烫",
            "手机很热正常吗",
            "手机待机发热",
            "手机发烫怎么办",
        ),
        examples_en=(
            "my phone gets very hot",
            "phone overheating while gaming",
            "is it normal for the phone to get warm",
            "phone is hot even on standby",
        ),
        answer=(
            "玩大型游戏、快充或在高温环境下，机身温度升高属于正常现象。如果待机时也明显发烫，"
            "请在「设置 → 电池 → 耗电排行」检查后台耗电应用，并将系统升级到最新版本。"
        ),
        answer_en=(
            "It's normal for the phone to warm up during heavy games, fast charging or in hot weather. If it's clearly "
            "hot on standby, check background apps under Settings → Battery → Usage ranking and update to the latest "
            "system version."
        ),
        articles=("手机发热严重正常吗？",),
        buttons=("系统升级失败", "申请维修"),
    ),
    DemoIntent(
        name="data_backup",
        title="数据迁移",
        examples=(
            "换新手机怎么把数据导过去",
            "怎么备份手机数据",
            "旧手机照片怎么转到新手机",
            "微信聊天记录能迁移吗",
            "换机助手怎么用",
            "联系人怎么导入新手机",
            "有一键换机吗",
            "短信能搬到新手机吗",
            "新机到了，怎么把旧机资料搬过来",
            "换机要装什么软件",
            "手机数据迁移",
            "应用也能一起迁移吗",
            "扫码换机怎么操作",
            "换手机怕资料丢了怎么办",
            "换手机资料怎么转移",
            "旧机资料怎么导到新机",
            "换机数据怎么迁移",
            "照片怎么备份",
            "换机助手迁移数据",
            "换机扫码",
            "新旧手机扫码迁移",
            "照片转到新手机",
            "资料搬到新手机",
            "旧机数据导到新机",
        ),
        examples_en=(
            "transfer data to my new phone",
            "how to back up my phone",
            "move WeChat chats to a new phone",
            "phone clone app",
        ),
        answer=(
            "新旧手机都安装「星辰换机助手」，在新机选择「从旧手机导入」并扫码，即可迁移联系人、短信、照片和应用；"
            "微信聊天记录需在微信内单独迁移。"
        ),
        answer_en=(
            "Install the Xingchen Switch assistant on both phones, choose “Import from old phone” on the new one and "
            "scan the code to move contacts, messages, photos and apps. WeChat chat history must be migrated inside "
            "WeChat itself."
        ),
        articles=("如何备份和迁移手机数据？",),
        buttons=("以旧换新",),
    ),
    DemoIntent(
        name="forgot_password",
        title="忘记锁屏密码",
        examples=(
            "忘记锁屏密码了",
            "手机密码忘了打不开",
            "解锁密码想不起来了",
            "密码输错太多次被锁了",
            "开机密码忘了怎么办",
            "锁屏图案忘了",
            "手机怎么解锁",
            "能帮我找回锁屏密码吗",
            "孩子改了密码，手机打不开",
            "手机锁了进不去",
            "恢复出厂能解锁吗",
            "远程清除怎么操作",
            "忘记密码去网点要带什么",
            "数字密码记不住了",
            "忘记密码了",
            "锁屏密码忘了",
            "手机被锁了怎么办",
            "忘记解锁密码",
            "密码忘了能去网点解锁吗",
            "云服务远程清除手机",
            "远程清除锁屏密码",
        ),
        examples_en=(
            "I forgot my lock screen password",
            "locked out of my phone",
            "forgot my PIN",
            "how to unlock my phone without the password",
        ),
        answer=(
            "锁屏密码无法找回，只能通过恢复出厂设置清除（会清空手机数据）。请携带购机凭证和身份证件到服务网点办理，"
            "也可以登录云服务远程清除。"
        ),
        answer_en=(
            "A lock screen password can't be recovered; it can only be removed by a factory reset, which erases the "
            "phone. Bring your proof of purchase and ID to a service point, or wipe the phone remotely through the "
            "cloud service."
        ),
        articles=("忘记锁屏密码怎么办？",),
        buttons=("服务网点",),
    ),
    DemoIntent(
        name="earbuds_bluetooth",
        title="耳机连不上",
        examples=(
            "耳机蓝牙连不上",
            "耳机配对不了",
            "手机搜不到耳机",
            "Buds 3 连不上手机",
            "耳机怎么进入配对模式",
            "换了新手机，耳机连不上",
            "蓝牙列表里找不到耳机",
            "耳机一直连接失败",
            "耳机怎么重新配对",
            "耳机怎么重置",
            "耳机连电脑连不上",
            "开盒后耳机指示灯不闪",
            "耳机断开后连不回去",
            "耳机蓝牙老是断连",
            "Buds 3 怎么连第二台设备",
            "Buds 3 配对失败",
            "Buds 3 蓝牙断连",
            "耳机蓝牙配对",
            "耳机连不上",
            "耳机重置后还是连不上",
            "Buds 3 连接第二部手机",
            "Buds 3 蓝牙搜不到",
        ),
        examples_en=(
            "earbuds won't connect",
            "can't pair my Buds 3",
            "my phone can't find the earphones",
            "how to reset the earbuds",
        ),
        answer=(
            "1. 把耳机放回充电盒，打开盒盖长按按键 3 秒，指示灯白色闪烁即进入配对；"
            "2. 在手机蓝牙列表删除旧的配对记录后重新连接；3. 仍不行请长按按键 10 秒重置耳机。"
        ),
        answer_en=(
            "1. Put the earbuds back in the case, open the lid and hold the button for 3 seconds until the light "
            "blinks white; 2. remove the old pairing from your phone's Bluetooth list and connect again; 3. if it "
            "still fails, hold the button for 10 seconds to reset the earbuds."
        ),
        articles=("耳机蓝牙连不上怎么办？",),
        buttons=("耳机单边无声", "申请维修"),
    ),
    DemoIntent(
        name="earbuds_one_side",
        title="耳机单边无声",
        examples=(
            "耳机一边有声音一边没声音",
            "左耳没声音",
            "右边耳机不响",
            "只有一只耳机有声",
            "单耳没声音怎么办",
            "Buds 3 右耳突然哑了",
            "耳机一只响一只不响",
            "左边耳机声音很小",
            "有一个耳机不出声",
            "单只耳机坏了能补配吗",
            "两只耳机音量不一样",
            "耳机只有左边能听到",
            "右耳机戴上没有任何声音",
            "一边耳机有杂音另一边正常",
            "Buds 3 左耳没声音",
            "Buds 3 一只耳机不响",
            "耳机单边没声",
            "一边耳机没声音",
            "右耳没声",
            "耳机坏了一只",
            "一只耳机坏了",
            "右耳突然没声音",
        ),
        examples_en=(
            "only one earbud works",
            "no sound from the left earbud",
            "the right earphone is silent",
            "can I replace a single earbud",
        ),
        answer=(
            "先把两只耳机放回充电盒充电 10 分钟，再重置耳机。如果单耳仍然无声，可能是硬件故障，"
            "保修期内可申请单只补配或维修。"
        ),
        answer_en=(
            "Put both earbuds back in the case to charge for 10 minutes, then reset them. If one side is still silent "
            "it may be a hardware fault; under warranty you can get a single earbud replaced or repaired."
        ),
        articles=("耳机一边有声音一边没声音",),
        buttons=("耳机连不上", "申请维修"),
    ),
    DemoIntent(
        name="stylus_pairing",
        title="连接手写笔",
        examples=(
            "平板怎么连手写笔",
            "手写笔连不上",
            "手写笔怎么配对",
            "手写笔怎么充电",
            "手写笔没反应",
            "Pad 11 的笔怎么用",
            "手写笔吸上去没提示",
            "触控笔怎么连接平板",
            "手写笔写不出字",
            "平板笔没电了怎么充",
            "新买的手写笔怎么激活",
            "手写笔和平板怎么绑定",
            "笔吸在侧边有什么用",
            "手写笔老是断连",
            "手写笔没电了",
            "笔怎么吸在平板上",
            "手写笔磁吸充电",
            "手写笔连接平板",
            "平板手写笔怎么连",
            "Pad 11 手写笔怎么连",
            "Pad 11 的笔连不上",
        ),
        examples_en=(
            "how to pair the stylus",
            "stylus not working on Pad 11",
            "how do I charge the pen",
            "connect the pen to my tablet",
        ),
        answer="将手写笔吸附到平板侧边的磁吸位置，屏幕弹出提示后点击「连接」即可；磁吸的同时也会为手写笔充电。",
        answer_en=(
            "Attach the stylus to the magnetic strip on the side of the tablet and tap “Connect” when the prompt "
            "appears; it also charges while attached."
        ),
        articles=("平板怎么连接手写笔？",),
        buttons=("平板办公",),
    ),
    DemoIntent(
        name="camera_offline",
        title="摄像头离线",
        examples=(
            "摄像头离线了",
            "监控看不了画面",
            "摄像头显示离线",
            "摄像头连不上wifi",
            "App 里摄像头一直离线",
            "家里的摄像头总掉线",
            "换了路由器后摄像头连不上",
            "摄像头支持5G wifi吗",
            "摄像头怎么复位",
            "摄像头怎么重新添加",
            "在外面看不了家里监控",
            "智能摄像头网络断开",
            "摄像头配网失败",
            "摄像头灯一直闪，连不上",
            "摄像头离线怎么办",
            "摄像头掉线",
            "监控离线",
            "摄像头连不上网",
        ),
        examples_en=(
            "the camera shows offline",
            "security camera won't connect to Wi-Fi",
            "how to reset the camera",
            "does the camera support 5GHz",
        ),
        answer=(
            "请先检查路由器是否正常、摄像头是否通电；摄像头仅支持 2.4GHz Wi‑Fi。"
            "然后长按复位键 5 秒，在「星辰智家」App 中重新添加设备。"
        ),
        answer_en=(
            "Check that the router works and the camera has power; the camera only supports 2.4GHz Wi-Fi. Then hold "
            "the reset button for 5 seconds and add the device again in the Xingchen Home app."
        ),
        articles=("智能摄像头离线了怎么处理？",),
        buttons=("申请维修",),
    ),
    DemoIntent(
        name="robot_dock",
        title="扫地机回充",
        examples=(
            "扫地机器人找不到充电座",
            "扫地机不回充",
            "扫完地不会自己回去充电",
            "扫地机在充电座附近转圈",
            "扫地机器人回不了家",
            "机器人找不到基座",
            "扫地机回充失败",
            "充电座放哪里合适",
            "扫地机一直在找充电桩",
            "扫地机没电停在半路",
            "扫地机器人对不准充电座",
            "充电座周围要留多大空间",
            "回充传感器怎么清理",
            "扫地机器人回不去充电座",
            "扫地机找不到充电座",
            "扫地机不会回去充电",
            "扫地机器人回充",
            "扫地机回不去充电",
            "扫地机充电座放哪",
            "充电座位置怎么摆",
        ),
        examples_en=(
            "robot vacuum can't find its dock",
            "the vacuum won't return to base",
            "where to place the charging dock",
            "robot doesn't recharge",
        ),
        answer=(
            "请确保充电座两侧 0.5 米、前方 1.5 米内无遮挡，充电座背靠墙放置并通电。然后清洁机器人底部的回充传感器再试。"
        ),
        answer_en=(
            "Keep 0.5 m clear on both sides of the dock and 1.5 m in front, with the dock against a wall and powered "
            "on. Then clean the docking sensor under the robot and try again."
        ),
        articles=("扫地机器人找不到充电座",),
        buttons=("申请维修",),
    ),
    DemoIntent(
        name="system_update_failed",
        title="系统升级失败",
        examples=(
            "系统升级失败",
            "更新系统一直失败",
            "升级到一半报错",
            "系统更新安装不了",
            "手机提示更新失败",
            "升级系统会丢数据吗",
            "系统更新需要多少空间",
            "新版本推送了装不上",
            "升级包下载失败",
            "OTA 升级不成功",
            "系统更新卡住不动",
            "升级失败了手机还能用吗",
            "电量不够能升级吗",
            "新系统一直装不上去",
            "升级失败",
            "系统更新失败",
            "升级失败怎么办",
            "系统升级不了",
            "新版本装不上",
            "系统推送更新装不了",
        ),
        examples_en=(
            "system update failed",
            "software update won't install",
            "will updating erase my data",
            "the update is stuck",
        ),
        answer=(
            "升级前请确保电量在 30% 以上、存储剩余 5GB 以上并连接 Wi‑Fi。失败后可在「设置 → 系统更新」重试；"
            "仍失败请到服务网点使用官方工具升级，数据不会丢失。"
        ),
        answer_en=(
            "Before updating, make sure the battery is above 30%, at least 5GB of storage is free and you're on Wi-Fi. "
            "If it fails, retry under Settings → System update; if it still fails, a service point can update it "
            "with the official tool — your data won't be lost."
        ),
        articles=("系统升级失败怎么办？",),
        buttons=("服务网点",),
    ),
    # ------------------------------------------------------------------ 售后
    DemoIntent(
        name="return_policy",
        title="退换货政策",
        examples=(
            "退换货政策是什么",
            "支持七天无理由吗",
            "几天内可以退货",
            "拆封了还能退吗",
            "买了不喜欢能退吗",
            "质量问题能换新吗",
            "15天换货是什么规定",
            "定制的商品能退吗",
            "激活了还能无理由退吗",
            "配件丢了一个还能退吗",
            "用了两天不想要了可以退吗",
            "退货有什么条件",
            "换货要满足什么条件",
            "签收10天了还能退吗",
            "新手机有故障能直接换新机吗",
            "有质量问题可以换新吗",
            "故障能换新吗",
            "七天无理由退货",
            "不喜欢能无理由退吗",
            "退换货规定",
            "多少天内能退货",
            "退货条件是什么",
            "几天能无理由退",
            "退货期限是几天",
            "新机有故障15天内能换吗",
            "退货要什么条件",
            "无理由退货期限",
            "几天之内能退",
            "签收后几天内能退换",
            "拆封激活了还能退吗",
        ),
        examples_en=(
            "what is your return policy",
            "can I return it within 7 days",
            "exchange for a defective product",
            "can opened items be returned",
        ),
        answer=(
            "签收 7 天内，商品完好、配件齐全可享受 7 天无理由退货；签收 15 天内出现性能故障可以换新。"
            "定制商品、已激活的虚拟商品不支持无理由退货。"
        ),
        answer_en=(
            "Within 7 days of delivery you can return undamaged products with all accessories, no reason needed; "
            "within 15 days, a product with a performance defect can be exchanged for a new one. Customised products "
            "and activated virtual goods can't be returned without reason."
        ),
        articles=("退换货政策是什么？",),
        buttons=("申请退货退款", "退款到账时间"),
    ),
    DemoIntent(
        name="refund_apply",
        title="申请退货退款",
        examples=(
            "怎么申请退货退款",
            "退货在哪里申请",
            "我要退货",
            "退款怎么操作",
            "申请售后的入口在哪",
            "退货要寄到哪里",
            "退货退款流程是什么",
            "我想把这个耳机退掉",
            "帮我办理退货",
            "退货需要自己寄回吗",
            "审核通过后怎么寄回",
            "申请退款选什么原因",
            "平板不想要了，怎么退",
            "退货申请怎么填",
            "申请退款提交在哪",
            "这个东西怎么申请退货",
            "想退货怎么弄",
            "耳机不想要了怎么退货",
            "我要退款",
            "申请退货退款",
            "怎么退货",
            "退货怎么操作",
            "退款在哪申请",
            "怎么申请退款",
            "手机不想要了怎么退货",
            "不想要了，怎么申请退货",
            "耳机想退货",
            "我想把手机退了",
            "售后申请在哪",
            "申请售后怎么弄",
            "退款申请怎么操作",
            "我要申请退款退货",
        ),
        examples_en=(
            "how do I request a return and refund",
            "I want to return this",
            "where do I apply for a refund",
            "what's the return process",
        ),
        answer=(
            "进入「我的订单」→「申请售后」→ 选择「退货退款」并填写原因，审核通过后按提示寄回商品。"
            "仓库签收检测后，1–3 个工作日内退款原路返回。"
        ),
        answer_en=(
            "Go to My orders → After-sales → Return and refund, fill in the reason, and once approved send the item "
            "back as instructed. After the warehouse receives and checks it, the refund goes back to your original "
            "payment method within 1–3 working days."
        ),
        articles=("如何申请退货退款？",),
        buttons=("退换货政策", "退款到账时间"),
    ),
    DemoIntent(
        name="refund_time",
        title="退款到账时间",
        examples=(
            "退款多久到账",
            "钱什么时候退回来",
            "退款还没到",
            "退到银行卡要几天",
            "支付宝退款几天到",
            "微信退款要多久",
            "退款显示成功了钱没收到",
            "分期订单退款后分期怎么处理",
            "退款到账时间",
            "都一周了退款还没到",
            "退款退到哪里了",
            "信用卡退款多久到账",
            "分期付款退了还要继续还吗",
            "退的钱啥时候到啊",
            "钱多久能退回",
            "退款什么时候到",
            "退款几天到账",
            "退款怎么还没到账",
            "分期订单退款",
            "退款到账要多久",
        ),
        examples_en=(
            "when will I get my refund",
            "refund not received yet",
            "how long does a refund to my bank card take",
            "what happens to my installments after a refund",
        ),
        answer=(
            "退款原路返回：微信、支付宝 1–3 个工作日到账；银行卡 3–7 个工作日到账。分期订单退款后会同时取消剩余分期。"
        ),
        answer_en=(
            "Refunds go back the way you paid: 1–3 working days for WeChat Pay and Alipay, 3–7 working days for bank "
            "cards. For installment orders, the remaining installments are cancelled with the refund."
        ),
        articles=("退款多久到账？",),
        buttons=("人工客服",),
    ),
    DemoIntent(
        name="warranty_period",
        title="保修期",
        examples=(
            "保修期多久",
            "手机保修几年",
            "耳机保修一年吗",
            "配件保修多久",
            "充电器保修多长时间",
            "电池保修多久",
            "摔坏了算保修吗",
            "高价值会员保修能延长吗",
            "质保期是多久",
            "平板保修多长时间",
            "人为损坏保不保",
            "音箱的质保期是多少",
            "数据线坏了还在保修期吗",
            "整机保修包括哪些",
            "会员延保多久",
            "保修能延长吗",
            "耳机保修多久",
            "保修范围是什么",
            "质保多久",
            "高价值会员延保",
            "延保6个月是什么",
            "人为损坏保修吗",
            "摔坏算不算保修",
        ),
        examples_en=(
            "how long is the warranty",
            "is the battery covered by warranty",
            "does the warranty cover accidental damage",
            "warranty on accessories",
        ),
        answer=(
            "手机、平板整机保修 1 年，电池保修 1 年；耳机、音箱保修 1 年；配件保修 6 个月。"
            "高价值会员可延长 6 个月保修。进水、摔坏等人为损坏不在保修范围内。"
        ),
        answer_en=(
            "Phones and tablets have a 1-year warranty, and so do their batteries; earphones and speakers 1 year; "
            "accessories 6 months. High-value members get 6 extra months. Accidental damage such as water or drops "
            "isn't covered."
        ),
        articles=("保修期是多久？",),
        buttons=("申请维修", "换屏价格"),
    ),
    DemoIntent(
        name="repair_request",
        title="申请维修",
        examples=(
            "我要报修",
            "怎么申请维修",
            "手机坏了去哪修",
            "寄修怎么操作",
            "可以上门维修吗",
            "维修进度在哪看",
            "寄修要自己付运费吗",
            "到店维修怎么弄",
            "顺丰上门取件怎么约",
            "扫地机坏了能上门修吗",
            "平板坏了想送修",
            "送修的手机修好了没有",
            "送修流程是什么",
            "我的耳机要返厂维修",
            "维修是寄过去还是去店里",
            "寄修",
            "寄修怎么弄",
            "怎么寄修",
            "寄到哪里修",
            "预约维修",
            "申请上门维修",
        ),
        examples_en=(
            "I want to get my phone repaired",
            "how does mail-in repair work",
            "do you offer on-site repair",
            "check my repair progress",
        ),
        answer=(
            "维修有三种方式可选：到店维修（预约后到服务网点）、寄修（App 下单，顺丰免费上门取件）、"
            "上门维修（智能家居大件及高价值会员）。维修进度可在「服务记录」中查看。"
        ),
        answer_en=(
            "Choose one of three options: in-store repair (book a slot at a service point), mail-in repair (order in "
            "the app; SF Express picks it up for free) or on-site repair (large smart-home devices and high-value "
            "members). Track progress under Service records."
        ),
        articles=("如何申请维修？寄修还是到店？",),
        buttons=("服务网点", "保修期", "转人工"),
    ),
    DemoIntent(
        name="screen_repair_price",
        title="换屏价格",
        examples=(
            "屏幕摔碎了修要多少钱",
            "换个屏多少钱",
            "X5 换屏价格",
            "X5 Pro 屏幕维修费",
            "屏幕裂了换一块多少钱",
            "碎屏保怎么用",
            "买了碎屏保能免费换吗",
            "屏幕总成多少钱",
            "换外屏贵吗",
            "屏幕碎了",
            "手机屏幕坏了修一下要多少",
            "换屏包含人工费吗",
            "内屏坏了显示不出来，换要多少钱",
            "官方换屏价",
            "换屏",
            "换屏幕多少钱",
            "屏幕摔坏了修多少钱",
            "碎屏维修价格",
            "屏幕维修多少钱",
            "碎屏维修",
            "X5 Pro 换屏多少钱",
            "X5 Pro 碎屏了修要多少",
            "X5 Pro 屏幕坏了修要多少",
            "X5 屏幕碎了修多少钱",
            "X5 Pro 内屏维修价格",
        ),
        examples_en=(
            "how much to replace a cracked screen",
            "X5 Pro screen repair price",
            "does screen insurance cover a replacement",
            "broken screen cost",
        ),
        answer=(
            "X5 屏幕总成官方维修价 899 元，X5 Pro 为 1099 元，均含人工费。购买了「碎屏保」的用户在保障期内可免费更换一次。"
        ),
        answer_en=(
            "The official price for a replacement screen assembly is 899 yuan for the X5 and 1099 yuan for the X5 Pro, "
            "labour included. With screen-damage cover you get one free replacement during the cover period."
        ),
        articles=("屏幕摔碎了维修多少钱？",),
        buttons=("申请维修", "服务网点"),
    ),
    DemoIntent(
        name="water_damage",
        title="手机进水",
        examples=(
            "手机进水了怎么办",
            "手机掉水里了",
            "手机泡水开不了机",
            "洗衣服把手机洗了",
            "进水了还能修吗",
            "进水保修吗",
            "手机掉马桶里了",
            "进水后能用吹风机吹干吗",
            "下雨手机淋湿了",
            "喇叭进水声音变小",
            "进水维修要钱吗",
            "手机沾水后屏幕乱跳",
            "手机掉泳池里了",
            "手机泡了水要不要马上充电",
            "手机沾水了",
            "手机泡水了",
            "进水了",
            "手机进水开不了机",
            "手机淋雨了",
            "手机被水泡了",
            "手机掉进水里",
        ),
        examples_en=(
            "my phone fell in water",
            "water damage repair",
            "is water damage covered by warranty",
            "phone got wet and won't turn on",
        ),
        answer=(
            "请立即关机，不要充电或用吹风机加热，擦干表面后尽快送到服务网点检测。进水属于人为损坏，不在保修范围，"
            "但可以付费维修。"
        ),
        answer_en=(
            "Turn the phone off immediately, don't charge it or heat it with a hair dryer, wipe it dry and bring it to "
            "a service point for inspection as soon as possible. Water damage isn't covered by the warranty, but we "
            "can repair it for a fee."
        ),
        articles=("手机进水了怎么办？",),
        buttons=("服务网点", "申请维修"),
    ),
    DemoIntent(
        name="battery_replacement",
        title="更换电池",
        examples=(
            "电池不耐用了能换吗",
            "续航越来越短",
            "手机用半天就没电",
            "电池健康只有78%",
            "电池最大容量怎么看",
            "电池老化要换吗",
            "手机掉电很快",
            "电池容量低于80%能免费换吗",
            "电池健康在哪查",
            "一天要充三次电",
            "想换个新电池",
            "保修期内换电池免费吗",
            "续航明显变差了",
            "用了两年电池不行了",
            "手机续航变短",
            "续航不行了",
            "电池续航差",
            "电池不行了",
            "换电池",
            "掉电快",
            "电池掉电严重",
            "一天充好几次电",
            "手机很耗电",
            "手机耗电快",
            "电池不耐用，半天就没电",
        ),
        examples_en=(
            "the battery drains fast",
            "can I replace my battery",
            "battery health is at 75%",
            "is battery replacement free under warranty",
        ),
        answer=(
            "在「设置 → 电池 → 电池健康」查看最大容量，低于 80% 建议更换。保修期内且容量低于 80% 的可免费更换。"
        ),
        answer_en=(
            "Check the maximum capacity under Settings → Battery → Battery health; below 80% we recommend a "
            "replacement, which is free if the phone is under warranty."
        ),
        articles=("电池续航明显变短可以换电池吗？",),
        buttons=("申请维修", "保修期"),
    ),
    DemoIntent(
        name="damaged_delivery",
        title="商品破损少件",
        examples=(
            "收到的东西是坏的",
            "包装破了，屏幕有划痕",
            "少了充电器",
            "盒子里没有数据线",
            "收到货发现配件少了",
            "收到货外壳裂了",
            "开箱就有损坏",
            "收到的平板有磕碰",
            "商品缺件怎么办",
            "送来的音箱外观有凹痕",
            "收到货少了手写笔",
            "到手就是坏的能换新吗",
            "签收后发现破损要拍照吗",
            "耳机盒里少了一只耳塞套",
            "商品缺件",
            "收到少件",
            "商品缺少配件",
            "收到东西少了",
            "开箱发现坏了",
            "外观有划痕",
            "收到的手机有凹痕",
            "签收发现破损",
            "收货破损",
            "包裹里东西坏了",
            "少了配件",
            "少了数据线",
            "缺了充电器",
            "刚到手就坏了",
            "收到后发现少了东西",
            "盒子里缺了数据线",
        ),
        examples_en=(
            "the item arrived damaged",
            "missing accessories in the box",
            "the package was broken",
            "the charger is missing from my order",
        ),
        answer=(
            "请在签收 48 小时内拍照（外包装、商品、面单）并联系在线客服，我们会为您补发配件或办理换新，运费由我们承担。"
        ),
        answer_en=(
            "Within 48 hours of delivery, take photos of the outer packaging, the product and the shipping label and "
            "contact live chat; we'll send the missing parts or a replacement, and we pay the shipping."
        ),
        articles=("收到的商品有损坏或少配件",),
        buttons=("人工客服",),
    ),
    # ------------------------------------------------------------------ 投诉
    DemoIntent(
        name="complaint",
        title="我要投诉",
        examples=(
            "我要投诉",
            "怎么投诉你们",
            "投诉多久有结果",
            "我要投诉你们客服",
            "客服态度太差了",
            "你们客服太不耐烦了",
            "昨天那个客服很敷衍",
            "投诉入口在哪",
            "我要举报你们的服务",
            "对你们的服务非常不满，要投诉",
            "上次打电话客服直接挂我电话",
            "投诉工单怎么提交",
            "你们这什么服务，我要投诉",
            "维修人员态度恶劣",
            "被你们客服怼了",
            "客服态度差",
            "态度很差",
            "服务态度恶劣",
            "我要投诉客服态度",
            "投诉",
            "我要投诉你们",
            "客服态度不好",
            "投诉客服",
            "客服说话很冲",
            "客服不理人",
            "投诉处理要多久",
            "投诉几个小时回复",
            "客服很敷衍，我要投诉",
            "客服挂我电话",
            "你们客服服务态度差",
            "客服回复很不耐烦",
        ),
        examples_en=(
            "I want to file a complaint",
            "your agent was rude",
            "how do I complain",
            "terrible service, I want to complain",
        ),
        answer=(
            "非常抱歉给您带来不好的体验，我已将您的问题转交投诉处理组，专人将在 1 小时内响应、4 小时内给出处理方案。"
            "如涉及客服服务态度，请提供会话时间或工单号，方便我们核实。"
        ),
        answer_en=(
            "We're very sorry for the bad experience. I'm passing this to our complaints team: someone will respond "
            "within 1 hour and propose a solution within 4 hours. If it's about an agent's attitude, please share the "
            "time of the conversation or the ticket number."
        ),
        articles=("如何投诉？多久处理？", "反馈客服服务态度问题"),
        action="handoff",
        group="投诉处理",
        human_only=True,
    ),
    DemoIntent(
        name="complaint_unsatisfied",
        title="不满意处理结果",
        examples=(
            "对处理结果不满意",
            "投诉的处理方案我不接受",
            "你们给的方案我不同意",
            "怎么申请复核",
            "处理结果太离谱了",
            "要求重新处理",
            "处理结果不满意，我要找主管",
            "服务监督电话是多少",
            "工单的结果我不认可",
            "已经处理完了但我不满意",
            "投诉完了结果不满意还能怎么办",
            "你们这个处理我不服",
            "对处理结果我要申诉",
            "能不能换个人重新处理我的工单",
            "复核",
            "申请复核在哪",
            "复核多久有结果",
            "对结果不满意",
            "处理结果不满意",
            "监督电话",
            "有没有服务监督电话",
            "处理方案不接受",
            "要求主管复核",
            "我对这个处理结果不服",
            "重新处理我的工单",
        ),
        examples_en=(
            "I'm not satisfied with the resolution",
            "request a review of my case",
            "escalate to a supervisor",
            "I don't accept this outcome",
        ),
        answer=(
            "您可以在工单中选择「申请复核」，客服主管会在 24 小时内复核并联系您；也可以拨打服务监督电话 400-800-8888 转 9。"
        ),
        answer_en=(
            "Choose “Request review” on your ticket and a customer service supervisor will review it and contact you "
            "within 24 hours; you can also call the service supervision line 400-800-8888, extension 9."
        ),
        articles=("对处理结果不满意怎么办？",),
        buttons=("转人工",),
    ),
    DemoIntent(
        name="compensation",
        title="超时补偿",
        examples=(
            "服务超时有补偿吗",
            "说好4小时处理，结果超时了",
            "你们超时了怎么赔",
            "超时补偿券在哪看",
            "超时补偿要自己申请吗",
            "等了这么久有没有补偿",
            "响应超时给补偿吗",
            "维修超过承诺时间了",
            "说好一小时回复，没人理，有补偿吗",
            "处理超时了我要赔偿",
            "没按承诺时间处理有补偿吗",
            "超时了补偿券什么时候发",
            "补偿券没收到",
            "承诺的时限过了还没处理",
            "补偿",
            "超时补偿",
            "超时有补偿吗",
            "补偿券",
            "超时有赔偿吗",
            "处理超时补偿",
        ),
        examples_en=(
            "do I get compensation for the delay",
            "you missed the promised time",
            "where is my compensation coupon",
            "service was late, is there any compensation",
        ),
        answer=(
            "会的。我们承诺的响应和处理时限一旦超时，系统会自动向您发放服务补偿券，无需申请，可在「我的 → 优惠券」中查看。"
        ),
        answer_en=(
            "Yes. Whenever we miss a promised response or resolution time, the system automatically issues you a "
            "service compensation coupon — no need to apply. You'll find it under Me → Coupons."
        ),
        articles=("服务超时会有补偿吗？",),
        buttons=("优惠券", "转人工"),
    ),
    DemoIntent(
        name="courier_complaint",
        title="投诉快递",
        examples=(
            "快递员态度差",
            "快递没送上门",
            "快递员不送货上门，让我自己去取",
            "显示签收了但我没收到",
            "快递直接放驿站也没通知",
            "快递员骂人",
            "我要投诉快递",
            "快递小哥不接电话",
            "没收到货却显示已签收",
            "快递扔门口被人拿走了",
            "顺丰快递员态度很差",
            "快递员让我下楼拿",
            "包裹被别人签收了",
            "没经过我同意就放快递柜",
            "投诉快递员",
            "投诉顺丰",
            "快递员服务太差要投诉",
            "快递员不送上门",
            "快递态度差",
            "显示已签收但没收到货",
            "没收到却签收了",
            "快递冒签",
            "投诉快递公司",
            "顺丰态度差",
        ),
        examples_en=(
            "the courier was rude",
            "package marked delivered but not received",
            "the courier didn't deliver to my door",
            "complain about the delivery driver",
        ),
        answer=(
            "非常抱歉给您添麻烦了！请提供订单号和签收情况，我们会向快递公司投诉并跟进；如商品未收到却显示签收，"
            "我们会优先为您补发或退款。"
        ),
        answer_en=(
            "Sorry about that! Please give us the order number and what happened at delivery; we'll complain to the "
            "courier company and follow up. If the parcel shows as delivered but you never received it, we'll resend "
            "it or refund you first."
        ),
        articles=("快递员态度差或未送货上门",),
        buttons=("查询订单", "转人工"),
    ),
)
