"""What a queued message says and where it goes: phone numbers as the gateway wants them, and text
from outside that cannot break the e-mail's headers."""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from agent_tui.server.aftercare_models import NotificationRow
from agent_tui.server.aftercare_settings import SmtpGateway
from agent_tui.server.notifications import Outgoing
from agent_tui.server.notify_gateways import email_bytes
from tests.server.conftest import login, make_client
from tests.support.sip_peers import free_port


def test_the_typed_phone_is_queued_as_digits_and_the_name_fills_the_template(sqlite_url: str) -> None:
    nowhere = free_port()  # nothing listens: the messages stay queued or fail, which is not checked here
    notify = {"channels": ["sms", "email"], "poll_s": 60.0,
              "smtp": {"host": "127.0.0.1", "port": nowhere, "sender": "hotline@agent-tui.test"},
              "sms": {"url": f"http://127.0.0.1:{nowhere}/cgi-bin/sendsms", "username": "u"}}
    with make_client(sqlite_url, notify=notify) as client:
        body = {"ticket_type": "repair", "customer_id": 1,
                "fields": {"contact_phone": "+86 138-0013-8000", "contact_name": "王{number}\n五",
                           "email": "wang@example.org"}}
        response = client.post("/v1/tickets", json=body, headers=login(client, "agent01"))
        assert response.status_code == 201, response.text
        number = response.json()["number"]
        db = client.app.state.db  # type: ignore[attr-defined]
        with db.read() as session:
            rows = {r.channel: r for r in session.execute(select(NotificationRow)).scalars()}
    assert rows["sms"].address == "+8613800138000"
    assert rows["email"].address == "wang@example.org"
    # The name is data: its braces are not a placeholder.
    assert rows["sms"].body == f"【95598】尊敬的王{{number}}\n五，您的工单已受理，工单号 {number}。"


def test_a_line_break_in_the_subject_stays_inside_the_header() -> None:
    gateway = SmtpGateway(host="127.0.0.1", sender="hotline@agent-tui.test")
    message = Outgoing(id=7, ticket_id=1, channel="email", address="a@example.org", attempts=1,
                       subject="工单 GD1\r\nBcc: evil@example.org", body=".\nline after a lone dot")
    data = email_bytes(gateway, message)
    parsed = message_from_bytes(data, policy=policy.default)
    assert parsed["Bcc"] is None
    assert str(parsed["Subject"]) == "工单 GD1 Bcc: evil@example.org"
    assert b"\r\n..\r\n" in data  # the lone dot is doubled so it cannot end the DATA
    assert str(parsed["Message-ID"]) == "<notification-7@agent-tui.test>"
