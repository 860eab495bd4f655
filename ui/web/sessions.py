"""Logins and sessions: throttled password checks off the event loop, sessions bound to credentials.

Why it is shaped this way:
- Gradio keeps its sessions in a token -> user name table and looks a cookie's token up there on
  every request. ``SessionTable`` is that table, but each token also remembers the credential
  stamp it logged in with (``UserStore.stamp``) and when it was made and last used, so removing a
  user, re-adding one (with any role) or changing a password ends every session it had, and idle
  or old sessions end by themselves.
- scrypt costs ~0.1 s of CPU and 16 MiB by design; run on the event loop, a burst of logins
  stalled every page. It runs in a small pool of worker threads instead.
- Guessing is throttled per name (one account) and per client address (one guesser, many names).
  A success clears the name's count but not the address's, so an attacker who owns one account
  cannot reset the count between guesses at others.
"""

from __future__ import annotations

import collections
import contextvars
import math
import threading
import time
from typing import Callable

import anyio
from fastapi import HTTPException

from ui.users import UserStore

# A session ends after this long without a request: long enough to read an answer's sources and
# write the next question, short enough that a forgotten browser on a shared desk does not stay in.
SESSION_IDLE_S = 30 * 60
# ...and this long after login whatever its use: one working day, then log in again.
SESSION_MAX_S = 10 * 60 * 60
# Failed logins allowed in LOGIN_WINDOW_S before that name is refused: a person mistyping a
# password does not fail five times in a quarter of an hour; a guesser is held to 20 tries an hour.
LOGIN_FAILURES_PER_NAME = 5
# From one client address, across names: several people behind one office gateway may each mistype.
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_WINDOW_S = 15 * 60
# Password checks at once: scrypt releases the GIL, so two use both cores of a small server while
# at most 2 x 16 MiB is in use for hashing, however many logins arrive together.
LOGIN_THREADS = 2

# The client address of the request being served, set by the server's guard middleware: Gradio
# hands the login check only a name and a password.
CLIENT_ADDRESS: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")

Clock = Callable[[], float]


class SlidingWindow:
    """At most ``limit`` events per key in any ``seconds``; ``wait`` says how long until the next."""

    def __init__(self, limit: int, seconds: float, clock: Clock = time.monotonic):
        self.limit, self.seconds, self._clock = limit, seconds, clock
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque:
        events = self._events.get(key)
        if events is None:
            return collections.deque()
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def wait(self, key: str) -> float:
        """Seconds until an event for ``key`` is allowed again (0: now)."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            return 0.0 if len(events) < self.limit else events[0] + self.seconds - now

    def add(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent(key, now)
            self._events.setdefault(key, collections.deque()).append(now)

    def take(self, key: str) -> float:
        """Record an event if allowed and return 0, else return the wait without recording."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return events[0] + self.seconds - now
            self._events.setdefault(key, events).append(now)
            return 0.0

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


class SessionTable(dict):
    """Gradio's token -> user name table, where a token is valid only while its user's credentials
    are the ones it logged in with, it has been used within ``idle_s`` and is under ``max_s`` old."""

    def __init__(self, stamp: Callable[[str], str | None], idle_s: float = SESSION_IDLE_S,
                 max_s: float = SESSION_MAX_S, clock: Clock = time.monotonic):
        super().__init__()
        self._stamp, self.idle_s, self.max_s, self._clock = stamp, idle_s, max_s, clock
        self._meta: dict[str, list] = {}          # token -> [stamp, created, last used]
        self._admitted: dict[str, str] = {}       # name -> stamp its password was just checked with
        self._lock = threading.RLock()

    def admit(self, name: str, stamp: str) -> None:
        """Bind the next token stored for ``name`` to ``stamp`` (Gradio stores it right after the
        login check returns, with no await in between)."""
        with self._lock:
            self._admitted[name] = stamp

    def __setitem__(self, token: str, name: str) -> None:
        with self._lock:
            now = self._clock()
            for old in [k for k, (_, created, used) in self._meta.items() if self._expired(created, used, now)]:
                self._forget(old)
            super().__setitem__(token, name)
            self._meta[token] = [self._admitted.pop(name, None), now, now]

    def __delitem__(self, token: str) -> None:
        with self._lock:
            self._forget(token)

    def get(self, token, default=None):
        """The user name behind ``token`` while its session holds; else ``default`` (and it ends)."""
        with self._lock:
            name = dict.get(self, token)
            if name is None:
                return default
            stamp, created, used = self._meta[token]
            now = self._clock()
            if self._expired(created, used, now) or stamp is None or self._stamp(name) != stamp:
                self._forget(token)
                return default
            self._meta[token][2] = now
            return name

    def _expired(self, created: float, used: float, now: float) -> bool:
        return now - used > self.idle_s or now - created > self.max_s

    def _forget(self, token: str) -> None:
        dict.pop(self, token, None)
        self._meta.pop(token, None)


class Login:
    """The login check Gradio calls: throttled, hashed in worker threads, binding the session."""

    def __init__(self, users: UserStore, sessions: SessionTable, clock: Clock = time.monotonic):
        self.users, self.sessions = users, sessions
        self.names = SlidingWindow(LOGIN_FAILURES_PER_NAME, LOGIN_WINDOW_S, clock)
        self.addresses = SlidingWindow(LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW_S, clock)
        self._threads = anyio.CapacityLimiter(LOGIN_THREADS)

    async def check(self, name: str, password: str) -> bool:
        """True when the password matches; refuses (429) while the name or address is locked."""
        address = CLIENT_ADDRESS.get()
        wait = max(self.names.wait(name), self.addresses.wait(address))
        if wait > 0:
            raise HTTPException(status_code=429, detail=(
                f"too many failed logins for this name or from this address: try again in "
                f"{math.ceil(wait / 60)} minute(s), or ask an administrator to reset the password"))
        stamp = await anyio.to_thread.run_sync(self.users.verify_stamp, name, password,
                                               limiter=self._threads)
        if stamp is None:
            self.names.add(name)
            self.addresses.add(address)
            return False
        self.names.clear(name)
        self.sessions.admit(name, stamp)
        return True


class StrictCookies:
    """ASGI middleware: every session cookie the app sets is HttpOnly and SameSite=Lax. Gradio
    marks its secure cookie SameSite=None (for apps embedded in other sites' pages), which would
    send it with requests from any site; iitkb is never embedded, so no other site's page ever
    carries a session."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def strict(message):
            if message["type"] == "http.response.start":
                message["headers"] = [(k, _strict(v) if k.lower() == b"set-cookie" else v)
                                      for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, strict)


def _strict(cookie: bytes) -> bytes:
    parts = [p.strip() for p in cookie.split(b";")]
    kept = [p for p in parts[1:] if not p.lower().startswith((b"samesite", b"httponly"))]
    return b"; ".join([parts[0], *kept, b"HttpOnly", b"SameSite=Lax"])
