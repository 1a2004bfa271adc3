"""Made-up customers: Chinese and English names, accounts, phones, areas and tiers (deterministic)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from agent_tui.domain.customer import CustomerType, ServiceTier

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓明", "海燕", "文杰", "丹", "鹏", "雪")
FIRST = ("James", "Mary", "John", "Linda", "David", "Susan", "Michael", "Karen", "Peter", "Emma", "Oliver",
         "Sophie", "Daniel", "Grace", "Thomas", "Alice", "Henry", "Chloe", "Samuel", "Lucy")
LAST = ("Smith", "Brown", "Wilson", "Taylor", "Clark", "Walker", "Hall", "Young", "King", "Wright", "Green",
        "Baker", "Adams", "Turner", "Parker", "Evans")
AREAS = ("城东区", "城西区", "城南区", "城北区", "高新区", "经开区", "江北新区", "滨湖区")
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平街", "文化路", "长江路", "滨江大道", "科技园路",
           "东风路")
COMPANIES = ("华兴制造有限公司", "明达商贸有限公司", "Riverside Logistics Ltd", "新城物业管理有限公司",
             "Harbour Foods Co.", "恒通科技有限公司")
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159", "186",
                   "187", "188", "189")
AREA_CODE = "0571"

DEMO_PHONE = "13800138000"
"""The first demo customer's mobile, handy for trying a screen pop."""


def customer_rows(
    count: int, rng: random.Random, now: datetime, first_index: int = 1
) -> list[dict[str, Any]]:
    """`count` customers as column values (phones unique), the first one with `DEMO_PHONE`."""
    used: set[str] = {DEMO_PHONE}
    rows: list[dict[str, Any]] = []
    for index in range(first_index, first_index + count):
        english = rng.random() < 0.3
        kind = rng.choices(
            [CustomerType.RESIDENTIAL, CustomerType.BUSINESS, CustomerType.GOVERNMENT], weights=[85, 12, 3]
        )[0]
        if kind == CustomerType.RESIDENTIAL:
            name = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" if english
                    else rng.choice(SURNAMES) + rng.choice(GIVEN))
        elif kind == CustomerType.BUSINESS:
            name = rng.choice(COMPANIES) + ("" if english else f"（{rng.choice(AREAS)}分公司）")
        else:
            name = f"{rng.choice(AREAS)}{rng.choice(('街道办事处', '社区服务中心', '第一中学'))}"
        phones = [DEMO_PHONE] if index == 1 else [_unique(rng, used, _mobile)]
        if rng.random() < 0.25:
            phones.append(_unique(rng, used, _landline))
        area = AREAS[0] if index == 1 else rng.choice(AREAS)
        arrears = rng.choice((0, 0, 0, 0, rng.randrange(1000, 80000)))
        rows.append({
            "account": f"31{index:08d}",
            "name": name,
            "phones": phones,
            "address": f"{area}{rng.choice(STREETS)}{rng.randrange(1, 400)}号",
            "area": area,
            "customer_type": kind.value,
            "tier": rng.choices(list(ServiceTier), weights=[3, 10, 25, 62])[0].value,
            "meter": f"M{rng.randrange(10**9, 10**10)}",
            "balance_cents": rng.randrange(-5000, 50000) if not arrears else -arrears,
            "arrears_cents": arrears,
            "custom": {"language": "en" if english else "zh"},
            "last_agent": None,
            "created_at": now,
            "updated_at": now,
        })
    return rows


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _landline(rng: random.Random) -> str:
    return f"{AREA_CODE}-8{rng.randrange(10**7):07d}"


def _unique(rng: random.Random, used: set[str], make: Any) -> str:
    while True:
        phone: str = make(rng)
        if phone not in used:
            used.add(phone)
            return phone
