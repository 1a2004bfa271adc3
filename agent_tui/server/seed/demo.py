"""`--seed demo`: users, customers, tickets in every status, notices, KB articles and some calls.

Deterministic (fixed random seed) and only loaded into an empty database, so it is safe on every start.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.customer import ContactChannel
from agent_tui.domain.notice import NoticeKind
from agent_tui.domain.session import Role
from agent_tui.domain.ticket import FLOWS, TicketStatus, TicketType, allowed_transitions
from agent_tui.server.db import Database
from agent_tui.server.models import (
    CallbackRow,
    CallRow,
    ContactRow,
    CustomerPhoneRow,
    CustomerRow,
    KbArticleRow,
    NoticeRow,
    QueueCallRow,
    TicketRow,
    TimelineRow,
    UserRow,
)
from agent_tui.server.phones import phone_key
from agent_tui.server.security import hash_password
from agent_tui.server.seed.campaigns import seed_campaigns
from agent_tui.server.seed.kb_articles import ARTICLES
from agent_tui.server.seed.people import AREAS, customer_rows
from agent_tui.server.users import add_user

SEED = 95598
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the demo users
CUSTOMERS = 240
AGENT_NAMES = ("王芳", "李娜", "张敏", "刘静", "陈丽", "杨洋", "黄磊", "赵艳", "吴杰", "周娟",
               "徐涛", "孙明", "马超", "朱霞", "胡平", "郭刚", "何丹", "林鹏", "罗雪", "高峰")
OTHER_NAMES = {"sup01": "班长 刘洋", "trainer01": "培训师 陈老师", "field01": "抢修一班 系统接口",
               "field02": "抢修二班 系统接口", "dispatch01": "派单员 周敏",
               "voice01": "满意度与语音信箱 服务"}
TEAMS = ("抢修一班", "抢修二班", "营销部", "客服中心")
QUEUES = ("95598-repair", "95598-billing", "95598-service")

DEMO_USERS: tuple[tuple[str, Role, str | None, str | None], ...] = (
    *((f"agent{i:02d}", Role.AGENT, f"{1000 + i}", "A" if i <= 10 else "B") for i in range(1, 21)),
    ("sup01", Role.SUPERVISOR, "1801", None),
    ("trainer01", Role.TRAINER, "1901", None),
    # The hotline's dispatcher (issues repair orders in `agent-tui demo`), and the field API's service
    # users, one per repair team (the demo's repair centre reports as field01).
    ("dispatch01", Role.SUPERVISOR, None, None),
    ("field01", Role.FIELD, None, TEAMS[0]),
    ("field02", Role.FIELD, None, TEAMS[1]),
    ("voice01", Role.VOICE, None, None),  # `agent-tui survey`: keypad scores and voicemails
)
"""(username, role, extension, team) of every demo user; all have the password `demo`."""


def is_empty(db: Database) -> bool:
    """True when the database has neither users nor customers."""
    with db.read() as session:
        users = session.execute(select(func.count()).select_from(UserRow)).scalar_one()
        customers = session.execute(select(func.count()).select_from(CustomerRow)).scalar_one()
    return users == 0 and customers == 0


def seed_demo(db: Database) -> bool:
    """Load the demo data set into an empty database; False (and nothing done) when it is not empty."""
    if not is_empty(db):
        return False
    rng = random.Random(SEED)  # noqa: S311 - made-up data, nothing secret
    now = utc_now()
    with db.write() as session:
        # One scrypt for everybody: the shared demo password is public anyway, and seeding stays fast.
        shared = hash_password(DEMO_PASSWORD)
        for index, (username, role, extension, team) in enumerate(DEMO_USERS):
            name = AGENT_NAMES[index] if role == Role.AGENT else OTHER_NAMES[username]
            add_user(session, username, None, role, display_name=name, team=team, extension=extension,
                     password_hash=shared)
        ids = insert_customers(session, customer_rows(CUSTOMERS, rng, now))
        _tickets(session, rng, ids, now)
        _contacts(session, rng, ids, now)
        _notices(session, now)
        _articles(session)
        _calls(session, rng, ids, now)
        _callbacks(session, rng, ids, now)
        seed_campaigns(session, now)
    return True


def insert_customers(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert customers and their phone keys; answer their ids in order."""
    ids = list(session.execute(insert(CustomerRow).returning(CustomerRow.id, sort_by_parameter_order=True),
                               rows).scalars())
    phones = [
        {"customer_id": cid, "phone_key": key}
        for cid, row in zip(ids, rows, strict=True)
        for key in sorted({phone_key(p) for p in row["phones"]})
    ]
    if phones:
        session.execute(insert(CustomerPhoneRow), phones)
    return ids


def path_to(kind: TicketType, goal: TicketStatus) -> list[TicketStatus] | None:
    """The shortest life-cycle path from created to `goal` (breadth first over allowed moves)."""
    paths: dict[TicketStatus, list[TicketStatus]] = {TicketStatus.CREATED: [TicketStatus.CREATED]}
    frontier = [TicketStatus.CREATED]
    while frontier:
        nxt: list[TicketStatus] = []
        for status in frontier:
            for move in sorted(allowed_transitions(kind, status)):
                if move not in paths:
                    paths[move] = [*paths[status], move]
                    nxt.append(move)
        frontier = nxt
    return paths.get(goal)


def _tickets(session: Session, rng: random.Random, customer_ids: list[int], now: datetime) -> None:
    subjects = {
        TicketType.REPAIR: ("整栋楼停电", "家中跳闸无法合闸", "电压偏低灯光闪烁",
                            "Power out in the whole street"),
        TicketType.COMPLAINT: ("抢修人员迟到", "电费异常偏高", "Rude staff at the service hall"),
        TicketType.CONSULTATION: ("阶梯电价咨询", "How to pay the bill online", "峰谷电价办理条件"),
        TicketType.SUGGESTION: ("表扬抢修班组", "建议延长营业厅时间", "Praise for the night crew"),
        TicketType.APPLICATION: ("居民新装", "增容申请", "过户", "EV charger connection"),
    }
    number = 0
    for kind in TicketType:
        goals = [*FLOWS[kind], TicketStatus.CANCELLED]
        if path_to(kind, TicketStatus.RECALLED):
            goals.append(TicketStatus.RECALLED)
        for goal in goals:
            for _copy in range(2):
                path = path_to(kind, goal)
                assert path is not None
                number += 1
                customer = customer_ids[(number * 7) % len(customer_ids)] if number > 1 else customer_ids[0]
                start = now - timedelta(minutes=rng.randrange(30, 60 * 24 * 5))
                step = timedelta(minutes=rng.randrange(1, 6))
                created = start
                row = TicketRow(
                    number="", ticket_type=kind.value, status=path[-1].value, customer_id=customer,
                    call_id=None, screen_id=kind.value, subject=rng.choice(subjects[kind]),
                    description="", fields={}, priority=rng.randrange(1, 6), training=False,
                    created_by=f"agent{rng.randrange(1, 21):02d}",
                    assignee=None if len(path) < 3 else rng.choice(TEAMS),
                    created_at=created, updated_at=created + step * (len(path) - 1), return_visit=None,
                )
                if TicketStatus.VISITED in path:
                    row.return_visit = {"resolved": True, "attitude": "satisfied", "charged": False,
                                        "score": rng.randrange(7, 11), "suggestion": "",
                                        "at": (created + step * (len(path) - 1)).isoformat(), "by": "agent01"}
                session.add(row)
                session.flush()
                row.number = f"GD{created:%Y%m%d}{row.id:06d}"
                for i, status in enumerate(path):
                    session.add(TimelineRow(ticket_id=row.id, status=status.value, at=created + step * i,
                                            by=row.created_by, note=""))


def _contacts(session: Session, rng: random.Random, customer_ids: list[int], now: datetime) -> None:
    summaries = ("咨询电费账单", "报修：家中停电", "询问停电恢复时间", "办理新装预约", "投诉抢修到达慢",
                 "Asked about the tiered tariff", "Reported a flickering light", "Changed the contact phone")
    outcomes = ("resolved", "ticket", "callback", "transferred")
    channels = (ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.CALLBACK)
    rows = []
    for cid in customer_ids[:120]:
        for _ in range(rng.randrange(1, 5)):
            rows.append({
                "customer_id": cid, "at": now - timedelta(minutes=rng.randrange(60, 60 * 24 * 90)),
                "channel": rng.choice(channels).value,
                "agent": f"agent{rng.randrange(1, 21):02d}", "call_id": None, "ticket_id": None,
                "summary": rng.choice(summaries), "outcome": rng.choice(outcomes), "recording": None,
            })
    session.execute(insert(ContactRow), rows)


def _notices(session: Session, now: datetime) -> None:
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    planned, fault = NoticeKind.PLANNED, NoticeKind.FAULT
    plans = [
        (AREAS[0], planned, "10kV线路检修计划停电", "人民路、解放路沿线", now + day, now + day + 8 * hour),
        (AREAS[0], fault, "台区变压器故障停电", "和平街小区，抢修中，预计2小时恢复", now - hour,
         now + hour),
        (AREAS[1], planned, "配网改造计划停电", "中山路1-200号", now + 2 * day, now + 2 * day + 6 * hour),
        (AREAS[2], planned, "Planned maintenance outage", "Binjiang Avenue, north side",
         now + 3 * day, now + 3 * day + 4 * hour),
        (AREAS[3], fault, "电缆故障停电", "建设路东段", now - 2 * hour, None),
        (AREAS[4], planned, "变电站设备检修", "科技园路全线", now + 5 * day, now + 5 * day + 10 * hour),
        (AREAS[5], planned, "线路迁改计划停电", "东风路", now - 3 * day, now - 3 * day + 5 * hour),
        (AREAS[6], planned, "Tree trimming near lines", "Changjiang Road", now + day, now + day + 3 * hour),
    ]
    for area, kind, title, detail, starts, ends in plans:
        session.add(NoticeRow(area=area, kind=kind.value, title=title, detail=detail, starts_at=starts,
                              ends_at=ends))


def _articles(session: Session) -> None:
    for language, category, title, body, tags in ARTICLES:
        session.add(KbArticleRow(
            title=title, body=body, category=category, language=language, tags=list(tags),
            search_text=" ".join((title, body, *tags)).lower(),
        ))


def _calls(session: Session, rng: random.Random, customer_ids: list[int], now: datetime) -> None:
    """A few hours of finished calls, so the queue figures are not empty."""
    start = max(now - timedelta(hours=3), now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0))
    span = max(int((now - start).total_seconds()) - 600, 60)
    for i in range(40):
        offered = start + timedelta(seconds=rng.randrange(span))
        wait = rng.choice((3, 8, 12, 18, 25, 40, 70))
        abandoned = rng.random() < 0.1
        talk = rng.randrange(60, 420)
        record = {
            "call_id": f"demo-{i:04d}", "direction": "inbound", "number": "", "queue": rng.choice(QUEUES),
            "customer_id": rng.choice(customer_ids),
            "agent": None if abandoned else f"agent{rng.randrange(1, 21):02d}",
            "offered_at": offered, "answered_at": None if abandoned else offered + timedelta(seconds=wait),
            "ended_at": offered + timedelta(seconds=wait if abandoned else wait + talk),
            "talk_s": 0.0 if abandoned else float(talk), "hold_s": 0.0,
            "acw_s": 0.0 if abandoned else float(rng.randrange(20, 90)), "training": False,
        }
        session.add(CallRow(**record, record={k: v.isoformat() if isinstance(v, datetime) else v
                                              for k, v in record.items()}, updated_at=now))
        session.add(QueueCallRow(
            call_id=record["call_id"], queue=record["queue"], number="", customer_id=record["customer_id"],
            enqueued_at=offered, answered_at=record["answered_at"],
            ended_at=record["ended_at"] if abandoned else None,
            outcome="abandoned" if abandoned else "answered", agent=record["agent"], training=False,
            source="desk",
        ))


def _callbacks(session: Session, rng: random.Random, customer_ids: list[int], now: datetime) -> None:
    """Callers waiting for a call back: known customers and unknown numbers, for every reason."""
    reasons = ("all_busy", "abandoned", "voicemail", "all_busy", "abandoned", "all_busy")
    for i, reason in enumerate(reasons):
        known = i % 2 == 0
        customer_id = customer_ids[i * 7] if known else None
        customer = session.get(CustomerRow, customer_id) if customer_id else None
        number = str(customer.phones[0]) if customer is not None else f"1590000{i:04d}"
        session.add(CallbackRow(
            number=number, customer_id=customer_id, queue=QUEUES[i % len(QUEUES)],
            queued_at=now - timedelta(minutes=5 + 9 * i + rng.randrange(5)), reason=reason, status="open",
            call_id=f"demo-cb-{i:02d}", voicemail=f"demo-cb-{i:02d}" if reason == "voicemail" else None,
            note="",
        ))
