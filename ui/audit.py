"""The audit trail: one JSON line per answer given and per admin action, under the data folder.

Why it is shaped this way:
- Append-only. A line is written with one ``write`` on a file opened for appending, under an
  advisory lock shared by every process on the data folder (`iitkb serve`, the command line), so
  lines from two processes never interleave. A full file is closed for good under a new name
  (``audit-<UTC time>.jsonl``) and never touched again; nothing here deletes or rewrites a line.
- Never in the way of an answer: a write that fails (disk full, permissions) logs one warning
  and the answer goes out as usual.
- Questions are personal data: with ``Settings.audit_question_hashes`` only the SHA-256 of the
  question is kept. A hash lets an auditor confirm that a given question was asked, and by whom,
  without the log holding its text.

Example::

    trail = AuditTrail(settings)
    trail.answer("web", "alice", "staff", answer.to_json())
    trail.admin("cli", "root", "admin", "user_add", target="bob", role="staff")
    for record in read_trail(settings, since="2026-12-01", user="alice"):
        print(record["time"], record["question"])
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import pwd
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from iitkb.settings import Settings

LOG = logging.getLogger("iitkb.audit")
ANONYMOUS = "anonymous"
DOORS = ("web", "api", "v1", "cli", "batch")
LOCK_NAME = "audit.lock"
CLOSED_GLOB = "audit-*.jsonl"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def local_user() -> str:
    """Who runs the command line: the operating system's account (no login there)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid-{os.getuid()}"


def command_line_trail(settings: Settings | None = None) -> "AuditTrail":
    """The trail of the configured data folder, for the command line's doors."""
    from iitkb.settings import load_settings

    return AuditTrail(settings or load_settings())


def cli_admin(action: str, settings: Settings | None = None, **details) -> None:
    """One admin action taken on this machine's command line (which has no login: the
    operating system's account is the user)."""
    command_line_trail(settings).admin("cli", local_user(), "admin", action, **details)


def question_hash(question: str) -> str:
    return hashlib.sha256((question or "").encode("utf-8")).hexdigest()


def cited_docs(answer: dict) -> list[str]:
    """The documents an answer cites, each once, in the order first cited."""
    return list(dict.fromkeys(c.get("doc_id") for c in answer.get("citations") or [] if c.get("doc_id")))


class AuditTrail:
    """Writes the trail of one data folder (``Settings.audit_path``); safe across threads and
    processes."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.audit_path
        self.limit = int(settings.audit_rotate_mb * 1e6)
        self._thread_lock = threading.Lock()

    def answer(self, door: str, user: str | None, role: str, answer: dict) -> None:
        """One answered (or refused) question, from the answer JSON (docs/ARCHITECTURE.md)."""
        question = answer.get("question") or ""
        asked = ({"question_sha256": question_hash(question)} if self.settings.audit_question_hashes
                 else {"question": question})
        answered_as = answer.get("role")
        self.write({"event": "answer", "door": door, "user": user or ANONYMOUS, "role": role,
                    **({"answered_as": answered_as} if answered_as not in (None, role) else {}), **asked,
                    "cited": cited_docs(answer), "index_version": answer.get("index_version", ""),
                    "abstained": bool(answer.get("abstained")),
                    **({"error": answer["error"]} if answer.get("error") else {})})

    def admin(self, door: str, user: str | None, role: str, action: str, **details) -> None:
        """One change to the index or the users: ``action`` is e.g. upload, remove, user_add."""
        self.write({"event": "admin", "door": door, "user": user or ANONYMOUS, "role": role,
                    "action": action, **details})

    def write(self, record: dict) -> None:
        if not self.settings.audit:
            return
        line = (json.dumps({"time": now(), **record}, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        try:
            self._append(line)
        except OSError as exc:
            LOG.warning("audit record not written (%s): %s; the answer was given as usual",
                        exc.__class__.__name__, exc)

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path.parent / LOCK_NAME, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if self.path.exists() and self.path.stat().st_size + len(line) > self.limit > 0:
                    self._close_current()
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        line = b"\n" + line          # a line torn by a crash stays a line of its own
                    os.write(fd, line)
                finally:
                    os.close(fd)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _close_current(self) -> None:
        """Give the full file its final name; the next line begins a new one."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"audit-{stamp}.jsonl")
        n = 1
        while target.exists():
            target, n = self.path.with_name(f"audit-{stamp}-{n}.jsonl"), n + 1
        os.rename(self.path, target)


def trail_files(settings: Settings) -> list[Path]:
    """Every file of the trail, oldest first: the closed ones by name (their UTC time), then
    the current one."""
    files = sorted(settings.data_dir.glob(CLOSED_GLOB))
    return files + ([settings.audit_path] if settings.audit_path.exists() else [])


def parse_since(value: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO time; ValueError names the form expected."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {value!r}: give a date as YYYY-MM-DD or a time as "
                         "YYYY-MM-DDTHH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_trail(settings: Settings, since: str | None = None, user: str | None = None) -> Iterator[dict]:
    """The records, oldest first, from ``since`` on and by ``user`` when given. A line that is
    not JSON (a torn last line after a crash) is yielded as ``{"event": "unreadable", ...}``
    so that a reader sees it rather than a silent gap."""
    start = parse_since(since) if since else None
    for path in trail_files(settings):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, start=1):
                record = _parse(text, path, number)
                if record is None:
                    continue
                if user is not None and record.get("user") != user:
                    continue
                if start is not None and _time_of(record) < start:
                    continue
                yield record


def _parse(text: str, path: Path, number: int) -> dict | None:
    if not text.strip():
        return None
    try:
        record = json.loads(text)
        if isinstance(record, dict):
            return record
    except ValueError:
        pass
    return {"event": "unreadable", "file": path.name, "line": number, "time": ""}


def _time_of(record: dict) -> datetime:
    try:
        return parse_since(record.get("time") or "")
    except ValueError:
        return datetime.max.replace(tzinfo=timezone.utc)     # an unreadable line is always shown
