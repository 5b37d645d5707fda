"""Demo field service (idempotent): devices for the demo customers, six own service points in
several cities, two repair partners with a sign-in each, and a few service orders in every
state of the repair machine."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.fieldservice.schemas import (
    DeviceCreate,
    PartnerUserCreate,
    ServiceOrderCreate,
    ServicePointCreate,
    Transition,
)
from kefu.fieldservice.service import device_service, order_service, point_service
from kefu.models.ticket import Channel
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service

PARTNER_PASSWORD = "kefu-demo"  # noqa: S105 - the published demo credential (as company.DEMO_PASSWORD)
ALL_LINES = ["phone", "tablet", "laptop", "earphones", "wearable", "smart_home"]
POINTS = [
    # name, kind, province, city, district, address, coverage, lines, capacity
    ("星辰服务中心·北京中关村", "own", "北京", "北京", "海淀区", "中关村大街 27 号", [], ALL_LINES, 12),
    ("星辰服务中心·上海徐家汇", "own", "上海", "上海", "徐汇区", "漕溪北路 88 号", [], ALL_LINES, 12),
    ("星辰服务中心·广州天河", "own", "广东", "广州", "天河区", "天河路 208 号", ["佛山"], ALL_LINES, 10),
    ("星辰服务中心·深圳南山", "own", "广东", "深圳", "南山区", "科技园南区 6 栋", [], ALL_LINES, 10),
    (
        "星辰服务中心·成都春熙路",
        "own",
        "四川",
        "成都",
        "锦江区",
        "春熙路 19 号",
        [],
        ["phone", "tablet", "earphones"],
        8,
    ),
    (
        "星辰服务中心·杭州西湖",
        "own",
        "浙江",
        "杭州",
        "西湖区",
        "文三路 90 号",
        [],
        ["phone", "tablet", "laptop"],
        8,
    ),
]
PARTNERS = [
    (
        "极速快修（东莞）",
        "广东",
        "东莞",
        "南城区",
        "鸿福路 100 号",
        ["惠州"],
        ["phone", "tablet", "earphones"],
        6,
        "partner1@kefu.demo",
        "东莞极速快修",
    ),
    (
        "蓝鲸维修（苏州）",
        "江苏",
        "苏州",
        "工业园区",
        "星湖街 328 号",
        ["无锡"],
        ["phone", "smart_home", "wearable"],
        6,
        "partner2@kefu.demo",
        "苏州蓝鲸维修",
    ),
]
# customer email → (model, serial, product line, days since purchase)
DEVICES = [
    ("zhoujie@example.cn", "星辰 X5 Pro", "XC5P20260001", "phone", 120),
    ("zhoujie@example.cn", "星辰 Buds 2", "XCB220250002", "earphones", 500),
    ("wufang@example.cn", "星辰 Pad 11", "XCPD20260003", "tablet", 60),
    ("zhenglei@example.cn", "星辰 X5", "XC5020250004", "phone", 420),
    ("wangli@example.cn", "星辰 Watch S", "XCWS20260005", "wearable", 200),
    ("fengtao@example.cn", "星辰 智能音箱", "XCSH20250006", "smart_home", 300),
    ("hejing@example.cn", "星辰 Book 14", "XCBK20250007", "laptop", 650),
    ("emily.chen@example.com", "星辰 X5 Pro", "XC5P20260008", "phone", 40),
    ("linxiao@example.cn", "星辰 X5", "XC5020260009", "phone", 90),
]
ONSITE = [
    "appointment_confirmed",
    "arrived",
    "diagnosed",
    "quoted",
    "approved",
    "repairing",
    "quality_check",
    "done",
]
MAIL_IN = ["appointment_confirmed", "received", "diagnosed", "quoted", "declined", "returned"]
# (device serial, kind, city, fault, path to walk, steps of it)
ORDERS = [
    ("XC5P20260001", "onsite", "深圳", "屏幕闪烁，偶尔黑屏", ONSITE, 0),
    ("XCPD20260003", "walk_in", "上海", "充电口松动", ["appointment_confirmed"], 1),
    ("XC5020250004", "mail_in", "北京", "主板进水", MAIL_IN, 2),
    ("XCWS20260005", "mail_in", "苏州", "表带卡扣断裂", MAIL_IN, 1),
    ("XCSH20250006", "onsite", "苏州", "无法连接 Wi-Fi", ONSITE, 2),
    (
        "XCBK20250007",
        "walk_in",
        "杭州",
        "键盘部分按键失灵",
        ["appointment_confirmed", "received", "diagnosed"],
        3,
    ),
    ("XC5P20260008", "onsite", "广州", "摄像头对焦失败", ONSITE, 4),
    ("XC5020250004", "mail_in", "北京", "换电池", MAIL_IN, 5),
    ("XC5020260009", "onsite", "成都", "扬声器无声", ONSITE, 5),
    ("XC5020260009", "onsite", "成都", "听筒杂音", ONSITE, 6),
    (
        "XC5020260009",
        "mail_in",
        "成都",
        "后盖裂纹",
        ["appointment_confirmed", "received", "diagnosed", "repairing", "quality_check"],
        5,
    ),
    ("XC5P20260001", "onsite", "东莞", "指纹识别失效", ONSITE, 7),
    ("XCB220250002", "mail_in", "深圳", "左耳无声", MAIL_IN, 6),
    ("XCPD20260003", "walk_in", "上海", "屏幕划痕", ["cancelled"], 1),
    ("XC5P20260008", "onsite", "广州", "无法开机", ONSITE, 8),
]
QUOTES = {"quoted": 380}


async def load(session: AsyncSession, admin_id: int | None) -> int:
    """Returns how many service orders were created (0 when the demo already has them)."""
    admin = Principal(kind="staff", id=admin_id or 0, name="demo", role="admin")
    known = {p.name for p in await point_service.all(session)}
    if POINTS[0][0] in known:
        return 0
    for name, kind, province, city, district, address, coverage, lines, capacity in POINTS:
        await point_service.create(
            session,
            admin,
            ServicePointCreate(
                name=name,
                kind=kind,
                province=province,
                city=city,
                district=district,  # type: ignore[arg-type]
                address=address,
                coverage=coverage,
                product_lines=lines,
                daily_capacity=capacity,
                opening_hours="09:00–21:00",
                phone="400-800-1234",
            ),
        )
    for name, province, city, district, address, coverage, lines, capacity, email, login_name in PARTNERS:
        point, _ = await point_service.create(
            session,
            admin,
            ServicePointCreate(
                name=name,
                kind="partner",
                province=province,
                city=city,
                district=district,
                address=address,
                coverage=coverage,
                product_lines=lines,
                daily_capacity=capacity,
                opening_hours="09:00–18:00",
            ),
        )
        await point_service.add_partner_user(
            session,
            admin,
            point.id,
            PartnerUserCreate(email=email, name=login_name, password=PARTNER_PASSWORD),
        )
    devices: dict[str, tuple[int, int]] = {}
    for email, model, serial, line, age in DEVICES:
        found = await customer_service.search(session, admin, email=email)
        if not found:
            continue
        device = await device_service.register(
            session,
            None,
            found[0].id,
            DeviceCreate(
                model=model, serial=serial, product_line=line, purchased_at=date.today() - timedelta(days=age)
            ),
            source="order",
        )
        devices[serial] = (device.id, found[0].id)
    created = 0
    for serial, kind, city, fault, path, steps in ORDERS:
        if serial not in devices:
            continue
        device_id, customer_id = devices[serial]
        ticket = await ticket_service.create(
            session,
            TicketCreate(
                subject=f"维修：{fault}",
                description=fault,
                customer_id=customer_id,
                channel=Channel.PHONE,
                category="售后/维修",
            ),
            actor=None,
        )
        order = await order_service.create(
            session,
            admin,
            ServiceOrderCreate(ticket_id=ticket.id, device_id=device_id, kind=kind, fault=fault, city=city),  # type: ignore[arg-type]
        )
        for step in path[:steps]:
            await order_service.transition(
                session, admin, order.id, Transition(to=step, quote_cny=QUOTES.get(step))
            )
        created += 1
    return created
