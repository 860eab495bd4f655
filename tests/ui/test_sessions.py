"""Session and login rules without a server: credential-bound tokens, idle and absolute expiry,
login throttling per name and per address, password checks off the event loop, rate windows."""

from __future__ import annotations

import threading

import anyio
import pytest
from fastapi import HTTPException

from ui.users import UserStore
from ui.web.sessions import (CLIENT_ADDRESS, LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_PER_NAME, LOGIN_WINDOW_S,
                             SESSION_IDLE_S, SESSION_MAX_S, Login, SessionTable, SlidingWindow)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path) -> UserStore:
    store = UserStore(tmp_path / "users.json")
    store.add("sam", "sponsor", "sponsor-pass-1")
    store.add("ann", "staff", "staff-pass-22")
    return store


def logged_in(table: SessionTable, users: UserStore, name: str, password: str, token: str) -> str:
    """What Gradio's /login does: check the password, then store the token for the name."""
    table.admit(name, users.verify_stamp(name, password))
    table[token] = name
    return token


@pytest.mark.parametrize("change", ["re-add with another role", "password change", "remove"])
def test_a_credential_change_ends_the_users_sessions(users, change):
    table = SessionTable(users.stamp)
    sam = logged_in(table, users, "sam", "sponsor-pass-1", "t-sam")
    ann = logged_in(table, users, "ann", "staff-pass-22", "t-ann")
    assert table.get(sam) == "sam" and table.get(ann) == "ann"
    if change == "remove":
        users.remove("sam")
    else:
        users.add("sam", "staff" if change.startswith("re-add") else "sponsor", "another-pass-9")
    assert table.get(sam) is None and sam not in table          # ended, and forgotten
    assert table.get(ann) == "ann"                              # other users keep theirs
    if change != "remove":
        fresh = logged_in(table, users, "sam", "another-pass-9", "t-new")
        assert table.get(fresh) == "sam"


def test_re_adding_with_the_same_password_still_ends_old_sessions(users):
    table = SessionTable(users.stamp)
    token = logged_in(table, users, "sam", "sponsor-pass-1", "t1")
    users.remove("sam")
    users.add("sam", "staff", "sponsor-pass-1")
    assert table.get(token) is None


def test_a_token_stored_without_a_password_check_is_never_valid(users):
    table = SessionTable(users.stamp)
    table["forged"] = "sam"
    assert table.get("forged") is None


def test_sessions_expire_when_idle_and_when_old(users):
    clock = Clock()
    table = SessionTable(users.stamp, clock=clock)
    idle = logged_in(table, users, "sam", "sponsor-pass-1", "idle")
    busy = logged_in(table, users, "ann", "staff-pass-22", "busy")
    clock.now += SESSION_IDLE_S - 1
    assert table.get(busy) == "ann"
    clock.now += 2
    assert table.get(idle) is None and table.get(busy) == "ann"      # idle since login; busy used
    while clock.now < 1000.0 + SESSION_MAX_S - SESSION_IDLE_S:
        clock.now += SESSION_IDLE_S / 2
        assert table.get(busy) == "ann"
    clock.now = 1000.0 + SESSION_MAX_S + 1
    assert table.get(busy) is None                                    # used all along, but too old


def test_logout_of_all_sessions_works_on_the_table(users):
    """Gradio's /logout walks the table with keys() and [] and deletes tokens."""
    table = SessionTable(users.stamp)
    for token in ("a", "b"):
        logged_in(table, users, "sam", "sponsor-pass-1", token)
    for token in list(table.keys()):
        if table[token] == "sam":
            del table[token]
    assert len(table) == 0 and table.get("a") is None


def attempt(login: Login, name: str, password: str, address: str):
    async def run():
        CLIENT_ADDRESS.set(address)
        return await login.check(name, password)

    return anyio.run(run)


def test_logins_are_throttled_per_name(users):
    clock = Clock()
    login = Login(users, SessionTable(users.stamp), clock=clock)
    for number in range(LOGIN_FAILURES_PER_NAME):
        assert attempt(login, "sam", "wrong", f"10.0.0.{number}") is False
    with pytest.raises(HTTPException) as refused:
        attempt(login, "sam", "sponsor-pass-1", "10.0.1.1")          # even the right password
    assert refused.value.status_code == 429 and "try again in" in refused.value.detail
    assert attempt(login, "ann", "staff-pass-22", "10.0.1.1") is True  # other names are not locked
    clock.now += LOGIN_WINDOW_S + 1
    assert attempt(login, "sam", "sponsor-pass-1", "10.0.1.1") is True  # the lock is temporary


def test_logins_are_throttled_per_address_and_a_success_does_not_reset_it(users):
    clock = Clock()
    login = Login(users, SessionTable(users.stamp), clock=clock)
    for number in range(LOGIN_FAILURES_PER_ADDRESS - 1):
        assert attempt(login, f"guess-{number}", "wrong", "10.9.9.9") is False
    assert attempt(login, "sam", "sponsor-pass-1", "10.9.9.9") is True     # the attacker's own account
    assert attempt(login, "guess-last", "wrong", "10.9.9.9") is False
    with pytest.raises(HTTPException):
        attempt(login, "ann", "staff-pass-22", "10.9.9.9")
    assert attempt(login, "ann", "staff-pass-22", "10.9.9.10") is True      # another address is fine


def test_a_success_clears_the_names_failures(users):
    login = Login(users, SessionTable(users.stamp), clock=Clock())
    for _ in range(LOGIN_FAILURES_PER_NAME - 1):
        attempt(login, "sam", "wrong", "10.0.0.1")
    assert attempt(login, "sam", "sponsor-pass-1", "10.0.0.1") is True
    assert attempt(login, "sam", "wrong", "10.0.0.1") is False
    assert attempt(login, "sam", "sponsor-pass-1", "10.0.0.1") is True      # not locked: count restarted


def test_password_checks_run_off_the_event_loop(users, monkeypatch):
    seen = []
    verify = users.verify_stamp
    monkeypatch.setattr(users, "verify_stamp", lambda *a: (seen.append(threading.get_ident()), verify(*a))[1])
    login = Login(users, SessionTable(users.stamp))

    async def run():
        loop_thread = threading.get_ident()
        ok = await login.check("sam", "sponsor-pass-1")
        return loop_thread, ok

    loop_thread, ok = anyio.run(run)
    assert ok and seen and seen[0] != loop_thread


def test_the_login_check_is_a_coroutine_function(users):
    """Gradio awaits the check only when inspect says it is a coroutine function; otherwise it would
    take the coroutine object itself as a successful login."""
    import inspect

    assert inspect.iscoroutinefunction(Login(users, SessionTable(users.stamp)).check)


def test_sliding_window_counts_and_recovers():
    clock = Clock()
    window = SlidingWindow(3, 60, clock)
    assert [window.take("u") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = window.take("u")
    assert wait == pytest.approx(60) and window.take("other") == 0.0
    clock.now += 30
    assert window.take("u") == pytest.approx(30)      # refused attempts do not extend the wait
    clock.now += 31
    assert window.take("u") == 0.0
