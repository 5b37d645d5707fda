"""Vocabulary of the synthetic Chinese reviews (`emotion_synthetic.py`), written for kefu
(Apache-2.0, no third-party text).

Per domain: aspects, things that go right and wrong (adjectives and events, the way customers
describe them), and neutral context sentences that long reviews carry between the opinions.
"""

from __future__ import annotations

from dataclasses import dataclass


def entries(words: str) -> tuple[str, ...]:
    """Space-separated entries (one string keeps the lists short and formatter-proof)."""
    return tuple(words.split())


@dataclass(frozen=True)
class Domain:
    aspects: tuple[str, ...]
    good: tuple[str, ...]  # whole predicates: "{aspect}{good}" or a clause alone
    bad: tuple[str, ...]
    good_events: tuple[str, ...]  # clauses that stand alone
    bad_events: tuple[str, ...]
    context: tuple[str, ...]  # neutral sentences (no opinion)


FOOD = Domain(
    aspects=entries(
        "味道 口味 分量 菜 饭 米饭 汤 肉 鸡肉 牛肉 面 粥 饺子 披萨 汉堡 炒饭 凉皮 麻辣烫 烤鸭 小龙虾 奶茶 套餐 配菜 包装 送餐 配送 骑手 送餐小哥 外卖 这家店 老板 价格 "
        "口感 酱汁 面条 菜品"
    ),
    good=entries(
        "好吃 很香 正宗 入味 新鲜 分量足 量很大 够吃 很快 准时 热乎乎的 很嫩 很地道 不油腻 清淡可口 香辣过瘾 料很足 很实惠 干净卫生 很用心 很有特色 好喝 酥脆 软糯 鲜美 "
        "很下饭 刚刚好"
    ),
    bad=entries(
        "难吃 太咸了 太辣了 太油了 没味道 很淡 凉了 都凉透了 不新鲜 有股怪味 馊了 太少了 分量少得可怜 太慢了 很慢 硬邦邦的 没熟 夹生 太甜了 腻得很 像隔夜的 越来越差 很一般 "
        "偷工减料 缩水了 太贵了 不值这个价 糊了 又干又柴 全是肥肉"
    ),
    good_events=entries(
        "提前十分钟就送到了 送来的时候还是热的 送餐小哥很有礼貌 包装得严严实实一点没洒 老板还送了一瓶饮料 全家都爱吃 已经点了好几次了每次都很满意 比店里吃的还好 下雨天还准时送到，辛苦了 "
        "肉给得很多 米饭管够 吃完还想吃"
    ),
    bad_events=entries(
        "等了两个小时才送到 送了一个半小时 超时四十分钟 送错了 少送了一份菜 汤洒了一袋子 吃出了一根头发 菜里有虫子 吃完拉肚子了 筷子都没给 打电话催了三次 骑手态度很差 "
        "备注了不要辣还是放了辣 肉都是臭的 饭是馊的 一半都倒掉了 明显是剩菜 订单显示送达其实没送 迟到了也不说一声 米饭硬得咬不动 上面全是油 和图片完全不一样"
    ),
    context=entries(
        "中午点的外卖 晚上加班点的 第一次点这家 这是第二次点了 给同事一起订的 点了一份套餐 周末在家点的 看评分挺高就点了 下单的时候是十一点半 点了两份 今天下雨"
    ),
)

HOTEL = Domain(
    aspects=entries(
        "房间 酒店 前台 服务 服务员 早餐 位置 环境 床 床垫 卫生 隔音 设施 空调 浴室 卫生间 热水 网速 停车 大堂 装修 价格 性价比 窗外风景 交通 枕头 被子 毛巾 地毯 电梯 "
        "游泳池 餐厅 客房服务 办理入住"
    ),
    good=entries(
        "干净整洁 很干净 很安静 很方便 交通便利 宽敞明亮 很舒服 丰富 很热情 周到 专业 很新 豪华 温馨 很大 很快 实惠 物有所值 一流 没得说 很棒 不错 很好 有特色 装修很新 挺好"
    ),
    bad=entries(
        "很差 太差了 脏 不干净 有霉味 很吵 太吵了 很旧 陈旧 老化 太小了 狭小 很贵 太贵 冷漠 恶劣 爱答不理 不专业 单调 品种太少 难吃 潮湿 偏僻 不好找 不隔音 时有时无 很慢 "
        "一般般 名不副实 简陋 不方便"
    ),
    good_events=entries(
        "免费给我们升级了房间 前台很快就办好了入住 服务员主动帮忙拿行李 离地铁站走路五分钟 早餐品种很多 晚上睡得很好 走路就能到景点 还送了水果 下次出差还住这里 延迟退房也没有多收钱 "
        "床单每天都换 晚上到的也马上安排了房间"
    ),
    bad_events=entries(
        "热水要放十分钟才有 半夜被隔壁吵醒 床单上有污渍 卫生间漏水 空调不制冷 房间里有蟑螂 等了半小时才办好入住 预订的大床房给了标间 洗澡水忽冷忽热 马桶是坏的 电视打不开 窗户关不严 "
        "整晚都能听到马路上的车声 押金退了一个星期 停车还要另外收费 毛巾发黄 墙上有一大片霉斑 早餐八点就没东西了 携程上的照片和实际差太远 前台还跟我们吵起来了"
    ),
    context=entries(
        "出差住了两晚 带孩子来旅游 这次是公司安排的 通过携程预订的 晚上十点才到 住的是大床房 酒店在市中心 离火车站不远 住的是标准间 第三次入住了 周末和朋友来玩"
    ),
)

# Delivery, packaging and the seller: mixed into every shop domain.
SHOP = Domain(
    aspects=entries(
        "物流 快递 包装 发货 卖家 店家 商家 价格 性价比 东西 商品 宝贝 质量 做工 外观 赠品 这次购物 京东 快递员"
    ),
    good=entries(
        "很好 不错 挺好的 满意 很快 神速 给力 靠谱 到位 精致 实惠 划算 超值 正品 没得说 很严实 物超所值 很专业 很热情 杠杠的"
    ),
    bad=entries(
        "很差 太差了 不好 一般 粗糙 劣质 是假货 很慢 太慢了 太贵了 不值 不靠谱 有划痕 很垃圾 破破烂烂 简陋 敷衍 坑人 一言难尽"
    ),
    good_events=entries(
        "第二天就到了 包装得很严实 和描述的一模一样 比实体店便宜很多 客服很耐心地解答 已经推荐给朋友了 第二次购买了 价格降了还给补了差价 "
        "快递小哥送货上门 当天下单第二天就收到了 还送了小礼物 京东的速度没得说 一直在这家买"
    ),
    bad_events=entries(
        "一个星期才到 快递把箱子压扁了 少发了一件 收到就是坏的 客服一直不回复 退货退了半个月 买了第二天就降价了 跟图片上完全不一样 "
        "发货太慢等了五天 快递员让我自己下楼拿 外包装都破了 发票一直没给 明明显示有货却不发 赠品没有给"
    ),
    context=entries(
        "双十一买的 帮朋友买的 看了评价才买的 昨天收到的 买了两个 这是第三次在这家买 单位发的购物卡买的 搞活动的时候买的"
    ),
)

BOOKS = Domain(
    aspects=entries(
        "书 这本书 内容 印刷 纸张 故事 作者 翻译 情节 文笔 插图 装帧 封面 这套书 小说 教材 绘本 观点"
    ),
    good=entries(
        "写得很好 很精彩 很感人 很有深度 通俗易懂 印刷精美 很有启发 引人入胜 很清晰 值得一读 很经典 很实用 生动有趣 很有意思 发人深省 很细腻 很流畅 不错 很好"
    ),
    bad=entries(
        "空洞 无聊 看不下去 错别字很多 模糊 很差 粗制滥造 东拼西凑 是盗版 很一般 没什么新意 太浅了 啰嗦 乏味 牵强 太贵了 不值这个价"
    ),
    good_events=entries(
        "一口气就看完了 孩子特别喜欢 看完受益匪浅 已经推荐给同事了 每天晚上给孩子读 看了好几遍 值得反复阅读 读完很有收获 买来送人也很体面"
    ),
    bad_events=entries(
        "书页都是皱的 缺了好几页 看了几页就看不下去了 纸张一股味道 完全是在骗钱 翻了两页就扔一边了 和简介说的完全不一样 全是凑字数的 装订都散了 "
        "印刷歪了看着眼睛疼"
    ),
    context=entries(
        "给孩子买的 朋友推荐的 在当当上买的 看了书评才买 是老师要求买的 作者的书我都看过 一次买了好几本"
    ),
)

DIGITAL = Domain(
    aspects=entries(
        "屏幕 电池 续航 手机 电脑 笔记本 平板 耳机 键盘 系统 散热 音质 摄像头 拍照 充电器 运行速度 信号 触屏 性能 配置 外观 做工 机器 鼠标 风扇 硬盘 内存 显卡"
    ),
    good=entries(
        "很好 不错 清晰 流畅 很快 稳定 省电 轻薄 反应灵敏 大气 高端 漂亮 耐用 结实 好用 强劲 很顺手 安静 细腻 没有坏点 很正 够用 性价比高"
    ),
    bad=entries(
        "卡顿 发烫 很卡 模糊 不耐用 难用 很吵 有坏点 不稳定 粗糙 死机 很慢 太差了 很差 有杂音 不灵敏 发热严重 太重了 不流畅 有漏光"
    ),
    good_events=entries(
        "开机很快 用了一个月都没问题 玩游戏一点都不卡 电池能用一整天 拍照效果很好 系统装好了直接能用 散热做得很好 运行大型软件也很流畅"
    ),
    bad_events=entries(
        "用了三天就坏了 屏幕有坏点 经常死机 充不进电 开机要五分钟 用了两次就不能开机 电池一天都撑不住 按键失灵 玩一会儿就烫手 风扇声音特别大 "
        "送修了两次还没修好 自带的软件卸载不了 经常蓝屏 wifi老是断 触屏不灵 用了一个月就黑屏了"
    ),
    context=entries(
        "用了一个星期 之前一直用别的牌子 主要用来办公 给老婆买的 学生党用的 买的是顶配 自己装了系统"
    ),
)

FRUIT = Domain(
    aspects=entries(
        "水果 苹果 橙子 芒果 猕猴桃 香蕉 樱桃 葡萄 桃子 梨 榴莲 个头 口感 甜度 果子 这箱水果 包装"
    ),
    good=entries(
        "很新鲜 很甜 很脆 多汁 个头大 很香 口感好 汁多 好吃 不错 很好 又大又甜 很饱满 甜度刚好 新鲜"
    ),
    bad=entries(
        "不新鲜 不甜 太酸了 烂了 个头小 很小 干巴巴的 很难吃 有虫眼 发霉了 软塌塌的 很涩 没味道 坏了好几个 熟过头了"
    ),
    good_events=entries(
        "家里人都说好吃 已经是第三次买了 一个坏的都没有 收到还是冰冰凉凉的 比超市买的还好 孩子一口气吃了三个"
    ),
    bad_events=entries(
        "有好几个烂的 一箱里坏了一半 收到全是压坏的 和图片差太远 称了一下分量不够 放了两天就坏了 好多都是青的 吃起来一股药味"
    ),
    context=entries("买了五斤 给家里老人买的 这是第二次买 昨天下午收到的 冰箱里放了一天"),
)

DAIRY = Domain(
    aspects=entries("牛奶 酸奶 纯牛奶 奶 口感 味道 日期 包装 这箱奶 蒙牛 伊利 奶粉 早餐奶"),
    good=entries("好喝 很香 很浓 口感好 新鲜 不错 很好 很纯 醇厚 日期很新 实惠"),
    bad=entries("难喝 太稀了 有怪味 不新鲜 快过期了 变质了 像兑了水 不好喝 很淡 太甜了 很一般 坏了"),
    good_events=entries("孩子每天都要喝 日期是上周的很新鲜 全家都爱喝 一直喝这个牌子 买了好几箱了"),
    bad_events=entries(
        "离过期只有几天了 有好几盒胀包了 喝完肚子不舒服 箱子里漏了好几盒 喝起来酸酸的像坏了 日期是半年前的"
    ),
    context=entries("搞活动买的 给孩子喝的 每天早上喝一盒 一次买了两箱"),
)

CARE = Domain(
    aspects=entries(
        "洗发水 护发素 沐浴露 面霜 香味 效果 味道 包装 瓶子 泡沫 质地 这款 头发 去屑效果 保湿效果"
    ),
    good=entries(
        "好闻 很香 好用 很顺滑 效果好 温和 不错 很好 清爽 泡沫丰富 很滋润 正品 淡淡的香味 持久 不油腻"
    ),
    bad=entries("难闻 刺鼻 没效果 很油 不好用 是假货 太稀了 很干 很一般 味道怪 很涩 有沉淀"),
    good_events=entries(
        "洗完头发很顺 头屑明显少了 用了一瓶了头发不干了 香味能保持一整天 洗完头皮很舒服 一直用这个牌子"
    ),
    bad_events=entries(
        "用完头皮发痒 用了以后掉发更严重了 洗完头发像稻草一样 用了脸上过敏起痘 瓶子漏了一半 和专柜的味道不一样 用了半瓶头屑反而多了"
    ),
    context=entries("之前一直用别的牌子 看广告买的 给老公买的 用了一个星期 活动价买的"),
)

APPLIANCE = Domain(
    aspects=entries(
        "热水器 冰箱 洗衣机 空调 电饭煲 微波炉 安装 安装师傅 加热速度 噪音 出水 售后 机器 温度 功能 外观"
    ),
    good=entries("很好 不错 很安静 很快 省电 方便 专业 很稳定 好用 大气 很实用 很热情 到位"),
    bad=entries("很吵 不加热 太慢了 很差 不专业 漏水 费电 不稳定 质量太差 很难用 乱收费"),
    good_events=entries(
        "安装师傅很专业 当天就装好了 用了半年都很好 加热很快洗澡很舒服 师傅还帮忙把垃圾带走了"
    ),
    bad_events=entries(
        "安装又多收了两百块 装好第二天就漏水 用了一个月就不加热了 师傅约了三次都没来 噪音大得睡不着觉 打售后电话一直占线 安装师傅态度很差"
    ),
    context=entries("新房装修买的 旧的坏了换的 京东自营买的 等了两天才装好"),
)

CLOTHES = Domain(
    aspects=entries(
        "衣服 裤子 裙子 鞋子 外套 T恤 尺码 面料 布料 颜色 款式 做工 版型 质量 大小 这件 线头 拉链"
    ),
    good=entries(
        "合身 显瘦 透气 柔软 舒服 漂亮 好看 很正 很有型 大方 百搭 合适 很好 不错 精致 质量好 很暖和 上身效果好"
    ),
    bad=entries(
        "掉色 起球 开线 偏小 偏大 有色差 有异味 太薄了 很差 粗糙 劣质 起皱 很硬 扎人 很丑 不合身 掉毛 线头很多"
    ),
    good_events=entries(
        "穿上很显气质 和图片上一模一样 洗了几次都没变形 老公穿着很合适 朋友都问在哪买的 又回购了一件"
    ),
    bad_events=entries(
        "穿了一次就开线了 洗一次就掉色 一股刺鼻的味道 和图片完全是两件衣服 穿了两天就起球了 拉链一拉就坏了 尺码差了两个号 鞋子穿了一天就开胶"
    ),
    context=entries("平时穿M码 身高一米六五 买来过年穿的 给妈妈买的 第一次在这家买衣服"),
)

SERVICE = Domain(
    aspects=entries("客服 售后 态度 回复 处理速度 维修 退款 师傅 服务 客服态度"),
    good=entries("很好 很耐心 很专业 很及时 很热情 很快 到位 贴心 负责 周到 很给力"),
    bad=entries("很差 太差 敷衍 冷漠 恶劣 很慢 不专业 推来推去 不理人 不耐烦 太坑了"),
    good_events=entries(
        "问题很快就解决了 客服很耐心地帮我处理好了 退款很快就到账了 师傅上门很准时 一次就修好了 主动打电话来回访 第二天就到了，很快 我很满意 "
        "比预想的还要好 包装很用心 服务真的没得说"
    ),
    bad_events=entries(
        "打了三次电话都没人接 问了半天也没解决 到现在还没人联系我 说好的退款到现在都没到 催了好几次都没用 客服一直踢皮球 投诉了也没人管 "
        "等了半个月还没修好 为什么我的快递还没到？都一个星期了 怎么还没发货，都等了好几天了 我不是很满意 等了一个小时还没送到 又送错了 "
        "一直没人处理 我对这次服务很不满意 这都第几次了 东西收到就是坏的"
    ),
    context=entries("找了客服 申请了售后 打了客服电话 在线咨询了一下"),
)

# Review domains and how often each is drawn (delivery, hotel and the shop categories).
DOMAINS = {"food": FOOD, "hotel": HOTEL, "books": BOOKS, "digital": DIGITAL, "fruit": FRUIT, "dairy": DAIRY,
           "care": CARE, "appliance": APPLIANCE, "clothes": CLOTHES}  # fmt: skip
WEIGHTS = {
    "food": 4,
    "hotel": 4,
    "books": 2,
    "digital": 3,
    "fruit": 2,
    "dairy": 1,
    "care": 2,
    "appliance": 1,
    "clothes": 2,
}
SHOP_DOMAINS = ("books", "digital", "fruit", "dairy", "care", "appliance", "clothes")

# "" four times: most clauses have no intensifier.
INTENSIFIERS = ("", "", "", "", *entries("很 非常 特别 太 真 超级 挺 十分 相当 真的 蛮 巨"))
MILD = entries("有点 有些 稍微有点 略 比较")
# "不" + a good word = bad and "不/没" + a bad word = good.
NOT_GOOD = entries(
    "不是很满意 不是很好 不太满意 不好 不太好 不怎么样 不满意 不新鲜 不干净 不方便 不专业 不及时 不值 不好吃 不舒服 不推荐 不行 没有想象中好 不咋地 不如以前了 不敢恭维 不够好"
)
NOT_BAD = entries(
    "不差 不贵 不慢 一点也不差 没有异味 没问题 不吵 不脏 没坏 不油腻 没有任何问题 挑不出毛病 没有失望 不错 不亏 没让我失望"
)
# Whole short reviews, the way ratings-style comments read.
SHORT_GOOD = entries(
    "好评 不错 很好 挺好的 满意 非常满意 很满意 赞 赞赞赞 五星好评 好吃 很好吃 还行 还可以 可以的 还不错 没毛病 物美价廉 值得购买 推荐 喜欢 很喜欢 好好好 棒棒哒 杠杠的 给力 "
    "完美 超赞 好用 一如既往的好 又快又好吃 下次还来 会回购 性价比高 靠谱 放心 很棒 不错不错 满分 好评！ 很划算 真心不错 很值 挺满意的 还会再来的 推荐大家买 好吃不贵 东西很好 "
    "很舒服"
)
SHORT_BAD = entries(
    "差评 一般 一般般 很一般 不怎么样 太差了 很差 失望 很失望 垃圾 呵呵 无语 坑人 坑爹 太坑了 后悔 不会再买了 不会再来了 再也不点了 不推荐 千万别买 难吃 太难吃了 太慢了 退货了 "
    "上当了 骗人的 差差差 服了 醉了 差劲 不值 浪费钱 别买 马马虎虎 凑合 不行 太贵了 吃不下去 没法用 质量太差 什么玩意 垃圾东西 真是够了 坑 慢死了 一星都不想给 就这？"
)
POS_CLOSE = entries(
    "下次还来 还会再买 推荐购买 五星好评 好评 值得推荐 会回购的 满意 谢谢 赞一个 物超所值 给个好评 非常满意 很开心 以后就在这家买了 下次还点 推荐大家来 总体很满意 总的来说不错 "
    "值得一住 值得一看 五分 辛苦了 支持一下 必须好评 会推荐给朋友 很愉快的一次体验 这个价格很值了 好评不解释 点赞 继续加油"
)
NEG_CLOSE = entries(
    "再也不买了 不会再来了 差评 不推荐 后悔 失望透顶 浪费钱 千万别买 要求退款 太坑了 不会再点了 气死了 垃圾 投诉 后悔买了 别来了 大家慎重 劝大家别买 真的很失望 总体很差 "
    "一次很糟糕的体验 再也不会住了 拉黑了 给一星都多 心累 差评不解释 希望改进吧 以后不会再光顾了 退钱 还是算了吧 没有下次了"
)
# Sarcasm and rhetorical questions read negative.
SARCASM = entries(
    "这也叫五星级？ 呵呵，真是好服务 真是服了 这就是所谓的正品？ 这也能叫{aspect}？ 你们自己吃过吗？ 这是给人吃的吗？ 还好意思收这么多钱？ 有这么做生意的吗？ 怎么还没送到？ "
    "为什么这么慢？ 到底还送不送了？ 谁给的好评？ 是我运气不好吗？"
)
COMPARE_GOOD = entries(
    "比上次好多了 比想象中好 比实体店便宜 比图片上还好看 比别家好吃多了 超出预期 比以前进步了"
)
COMPARE_BAD = entries(
    "比上次差多了 跟以前没法比 还不如路边摊 比别家差远了 和宣传的差太多 一次比一次差 远不如预期 跟图片差太远了"
)
