"""What every handler shares: the answerer, the users and roles, the upload desk, rate limits.

Roles (docs/ARCHITECTURE.md) are decided here from the login alone: ``request.username`` is looked
up in the users file on every call, so no request parameter can raise a role, and a removed user
loses access at once. Every handler re-checks the role itself, because Gradio events can be
called directly over HTTP whether or not a tab is shown. When no users exist the app serves
anonymous sponsors only, and only on a loopback address (``server.serve``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from pathlib import Path

import gradio as gr

from ingest.uploads import Uploads
from retrieval.answer import Answerer
from retrieval.filters import VISIBLE
from iitkb.settings import Settings
from ui.users import UserStore
from ui.web.i18n import t
from ui.web.sessions import SlidingWindow

# Answers one user may ask for in ANSWER_WINDOW_S, chat and API together. A person reading cited
# answers asks a few a minute; 30 is one every 2 s, and leaves the answer slots free for others
# when one caller loops. Questionnaires have their own, smaller budget of runs.
ANSWERS_PER_USER = 30
ANSWER_WINDOW_S = 60
QUESTIONNAIRES_PER_USER = 6
QUESTIONNAIRE_WINDOW_S = 10 * 60
SCRATCH_MAX_AGE_S = 3600          # downloads are fetched within seconds; an hour is generous


class Context:
    def __init__(self, settings: Settings, answerer: Answerer | None = None):
        self.settings = settings
        self.answerer = answerer or Answerer(settings)
        self.users = UserStore(settings.users_path)
        self.auth_required = len(self.users) > 0
        self.uploads = Uploads(settings, embedder=self.searcher.index.embedder)
        self.answer_limit = SlidingWindow(ANSWERS_PER_USER, ANSWER_WINDOW_S)
        self.questionnaire_limit = SlidingWindow(QUESTIONNAIRES_PER_USER, QUESTIONNAIRE_WINDOW_S)
        self.scratch = Path(tempfile.mkdtemp(prefix="iitkb-web-"))
        weakref.finalize(self, shutil.rmtree, self.scratch, True)

    @property
    def searcher(self):
        return self.answerer.searcher

    # roles --------------------------------------------------------------------------------
    def role_for(self, username: str | None) -> str | None:
        """The role of a logged-in name; anonymous sponsor only when the app has no users."""
        if username:
            return self.users.role(username)
        return None if self.auth_required else "sponsor"

    def role(self, request: gr.Request | None) -> str:
        role = self.role_for(getattr(request, "username", None))
        if role is None:
            raise gr.Error("Please log in again: this account is unknown or has been removed.")
        return role

    def require_admin(self, request: gr.Request | None) -> None:
        if self.role(request) != "admin":
            raise gr.Error("Only an admin may change the documents in the index.")

    def visible_documents(self, role: str) -> list[dict]:
        return [d for d in self.searcher.documents() if d.get("access") in VISIBLE[role]]

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
        raise gr.Error("upload the file through the form: only uploaded files are read")
    return path
