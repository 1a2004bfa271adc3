"""A desk started while the backend is down (QA, issue 11): the password came from the credential
store, so there is no login form to try again from. The desk used to try once and stay offline for the
whole shift, its queued writes never sent; it now logs in as soon as the backend answers."""

from __future__ import annotations

from agent_tui.sync.retry import Backoff
from tests.ui.doubles import FakeBackend
from tests.ui.helpers import make_app, wait_until

QUICK = Backoff(base=0.01, cap=0.05, jitter=False)


async def test_the_desk_logs_in_once_the_backend_it_started_without_answers() -> None:
    backend = FakeBackend()
    backend.dead = True
    app, _phone, _backend, _writes = make_app(backend)
    app.login_backoff = QUICK
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(backend.logins) >= 3, what="logins tried again")
        assert not app.desk.logged_in
        notes = [str(n.message) for n in app._notifications]
        assert notes.count("The backend cannot be reached: logging in again as soon as it answers.") == 1
        backend.dead = False
        await wait_until(pilot, lambda: app.desk.logged_in, what="logged in once the backend is back")


async def test_a_wrong_password_is_not_tried_again() -> None:
    backend = FakeBackend()
    app, _phone, _backend, _writes = make_app(backend, password="wrong")
    app.login_backoff = QUICK
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any("password is wrong" in str(n.message)
                                            for n in app._notifications), what="the refusal told")
        # The login worker has ended: nothing is left to try again.
        await wait_until(pilot, lambda: not any(w.is_running for w in app.desk.workers), what="no worker")
        assert backend.logins == ["agent1"]
        assert not app.desk.logged_in
