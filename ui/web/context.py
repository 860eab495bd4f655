"""What every handler shares: the answerer, the users and roles, the upload desk, rate limits.

Roles (docs/ARCHITECTURE.md) are decided here from the login alone: ``request.username`` is looked
up in the users file on every call, so no request parameter can raise a role, and a removed user
loses access at once. Every handler re-checks the role itself, because Gradio events can be
called directly over HTTP whether or not a tab is shown. When no users exist the app serves
anonymous sponsors only, and only on a loopback address (``server.serve``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shutil
import tempfile
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr

from iitkb.text import OTHER_LANGUAGE_NOTE, other_language
from ingest.uploads import Uploads
from retrieval.answer import Answerer
from retrieval.filters import VISIBLE
from iitkb.settings import Settings
from ui.audit import AuditTrail
from ui.users import UserStore
from ui.web.i18n import t
from ui.web.sessions import SlidingWindow

# Answers one user may ask for in ANSWER_WINDOW_S, chat and API together (Settings.answers_per_minute,
# 30 by default: one every 2 s). Questionnaires have their own, smaller budget of runs.
ANSWER_WINDOW_S = 60
QUESTIONNAIRES_PER_USER = 6
QUESTIONNAIRE_WINDOW_S = 10 * 60
# Answers computed at once by the API doors: one per core. An answer (14 ms of CPU) holds the
# interpreter lock except in the model and in Chroma, so more threads only pass the lock back and
# forth: in one process on the 2-core machine, 1 thread gave 72 answers/s, 2 gave 104, 4 gave 90
# and 20 gave 54 (what the default pool of 40 threads does under 20 clients).
ANSWER_WORKERS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
SCRATCH_MAX_AGE_S = 3600          # downloads are fetched within seconds; an hour is generous
LOG = logging.getLogger("iitkb.web")
# What a person sees while the Chroma server is down (the log says which server and how to fix it).
STORE_DOWN = ("The document store is not answering right now; please ask again in a minute. / "
              "文档库暂时无法响应，请一分钟后再问。")


class Context:
    def __init__(self, settings: Settings, answerer: Answerer | None = None):
        self.settings = settings
        self.answerer = answerer or Answerer(settings)
        self.users = UserStore(settings.users_path)
        self.audit = AuditTrail(settings)
        self._login_on = False
        self.uploads = Uploads(settings, embedder=self.searcher.index.embedder)
        self.answer_limit = SlidingWindow(settings.answers_per_minute, ANSWER_WINDOW_S)
        self.questionnaire_limit = SlidingWindow(QUESTIONNAIRES_PER_USER, QUESTIONNAIRE_WINDOW_S)
        self.scratch = Path(tempfile.mkdtemp(prefix="iitkb-web-"))
        weakref.finalize(self, shutil.rmtree, self.scratch, True)
        self._answer_workers = ThreadPoolExecutor(ANSWER_WORKERS, thread_name_prefix="iitkb-answer")
        weakref.finalize(self, self._answer_workers.shutdown, False)

    async def ask(self, *args, **kwargs):
        """``answerer.ask`` off the event loop, at most ANSWER_WORKERS at once; the rest wait
        their turn in order, which keeps a burst of clients from slowing every answer down."""
        call = functools.partial(self.answerer.ask, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._answer_workers, call)

    @property
    def searcher(self):
        return self.answerer.searcher

    # roles --------------------------------------------------------------------------------
    @property
    def auth_required(self) -> bool:
        """Login is on once any user exists, read live: adding the first user while the app runs
        turns it on at the next request. It then stays on: removing the last user never turns
        anonymous access back on (that takes a restart, which checks the address again)."""
        if not self._login_on and len(self.users) > 0:
            self._login_on = True
        return self._login_on

    def role_for(self, username: str | None) -> str | None:
        """The role of a logged-in name; anonymous sponsor only when the app has no users."""
        if username:
            return self.users.role(username)
        return None if self.auth_required else "sponsor"

    def role(self, request: gr.Request | None) -> str:
        role = self.role_for(getattr(request, "username", None))
        if role is None:
            raise user_error("Please log in again: this account is unknown or has been removed.")
        return role

    def require_admin(self, request: gr.Request | None) -> None:
        if self.role(request) != "admin":
            raise user_error("Only an admin may change the documents in the index.")

    def visible_documents(self, role: str) -> list[dict]:
        return [d for d in self.searcher.documents() if d.get("access") in VISIBLE[role]]

    # questions and user errors ------------------------------------------------------------
    def unsupported_question(self, question: str) -> str | None:
        """Why a question cannot be answered as written (another language), said in both languages."""
        return OTHER_LANGUAGE_NOTE if other_language(question) else None

    @staticmethod
    def store_down(exc: Exception) -> str:
        """The message for a lost store connection; the details go to the log, for the admin."""
        LOG.error("answer failed: %s", exc)
        return STORE_DOWN

    @staticmethod
    def note_user_error(where: str, message: str) -> None:
        """One log line for a person's mistake (tracebacks are for faults in the app)."""
        LOG.warning("%s: %s", where, message[:200])

    # limits -------------------------------------------------------------------------------
    def answer_refusal(self, request: gr.Request | None, ui: str) -> str | None:
        """Why this user may not have another answer now (None: go ahead, and it is counted)."""
        return self._refusal(self.answer_limit, request, "slow_down", ui)

    def questionnaire_refusal(self, request: gr.Request | None, ui: str) -> str | None:
        return self._refusal(self.questionnaire_limit, request, "q_slow_down", ui)

    @staticmethod
    def _refusal(window: SlidingWindow, request, key: str, ui: str) -> str | None:
        wait = window.take(caller(request))
        if not wait:
            return None
        return t(key, ui).format(limit=window.limit, minutes=window.seconds / 60, wait=max(1, wait))

    # files --------------------------------------------------------------------------------
    def fresh_dir(self) -> Path:
        """A new folder for one download, dropping those older than SCRATCH_MAX_AGE_S."""
        for old in self.scratch.iterdir():
            if old.stat().st_mtime < time.time() - SCRATCH_MAX_AGE_S:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.scratch))


def user_error(message: str) -> gr.Error:
    """The error for a person's mistake: the message to them, one line in the log, no traceback."""
    Context.note_user_error("refused", message)
    return gr.Error(message, print_exception=False)


def inline_errors(handler, outputs: int):
    """The handler, its refusals shown as a message in one more output (a Markdown beside the
    form) instead of error states on its outputs, which stay as they were; success clears it."""

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        from ui.web.render import notice

        try:
            result = handler(*args, **kwargs)
        except gr.Error as exc:
            return (*[gr.skip()] * outputs, notice(str(exc.message)))
        return (*(result if isinstance(result, tuple) else (result,)), "")

    return wrapped


def caller(request: gr.Request | None) -> str:
    """Whom a limit counts: the logged-in name, or the client address of anonymous use."""
    name = getattr(request, "username", None)
    if name:
        return f"user:{name}"
    client = getattr(request, "client", None)
    return f"address:{getattr(client, 'host', '') or ''}"


def uploaded_file(value) -> Path:
    """A file that came in through Gradio's upload route, never a server path a caller names.

    An event can be posted by hand with any path as a file input, so this is checked here
    rather than trusted to the form."""
    from gradio.utils import get_upload_folder

    path = Path(str(getattr(value, "path", value))).resolve()
    if not path.is_relative_to(Path(get_upload_folder()).resolve()) or not path.is_file():
        raise user_error("upload the file through the form: only uploaded files are read")
    return path
