"""The sender of the notification queue: one thread per server process, sending through the gateways.

Several processes each run one; the queue (`notifications.claim`) decides who sends what. SMTP and
HTTP calls block, so they run on this thread, never on the event loop.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from agent_tui.server import notifications
from agent_tui.server.aftercare_settings import NotifySettings
from agent_tui.server.db import Database
from agent_tui.server.notifications import Outgoing
from agent_tui.server.notify_gateways import LeaseLost, SendError, send_email, send_sms

log = logging.getLogger(__name__)


class NotifyWorker:
    """Claims due messages and sends them until stopped; started only when a gateway is configured."""

    def __init__(self, db: Database, settings: NotifySettings) -> None:
        self.db = db
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]
        """Who holds a claimed row: unique per process and start."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def needed(self) -> bool:
        """Whether there is anything to send through."""
        return self.settings.smtp is not None or self.settings.sms is not None

    def start(self) -> None:
        """Start the sending thread (once)."""
        if self._thread is None and self.needed:
            self._thread = threading.Thread(target=self._run, name="notify-worker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after the message being sent (a claim left behind is taken over when its lease ends)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            batch: list[Outgoing] = []
            try:
                batch = notifications.claim(self.db, self.name, self.settings)
                for message in batch:
                    if self._stop.is_set():
                        break
                    self.send(message)
            except Exception:  # the database went away for a moment: log it, try again on the next round
                log.exception("notification queue")
            if not batch:
                self._stop.wait(self.settings.poll_s)

    def send(self, message: Outgoing) -> None:
        """Send one claimed message and record how it went."""
        def hand_over() -> bool:
            return notifications.hand_over(self.db, message, self.name)

        try:
            if message.channel == "email" and self.settings.smtp is not None:
                send_email(self.settings.smtp, message, hand_over)
            elif message.channel == "sms" and self.settings.sms is not None:
                send_sms(self.settings.sms, message, hand_over)
            else:  # queued by a process configured with a gateway this one does not have
                raise SendError(f"no {message.channel} gateway configured", retry=False)
        except LeaseLost:
            log.warning("notification %d: claim ran out before sending; left to its new sender", message.id)
            return
        except SendError as exc:
            log.info("notification %d not sent: %s", message.id, exc.reason)
            notifications.failed(self.db, message, self.name, exc.reason, self.settings, retry=exc.retry)
            return
        except Exception as exc:  # a bug of ours: fail the message rather than retake it at every lease
            log.exception("notification %d", message.id)
            reason = f"internal error: {type(exc).__name__}"
            notifications.failed(self.db, message, self.name, reason, self.settings, retry=False)
            return
        notifications.sent(self.db, message)
