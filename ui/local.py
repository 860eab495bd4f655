"""The command line asking a running `iitkb serve` on the same data folder: no cold start.

A fresh `iitkb ask` spends seconds loading the store, the model and the termbase; a running
server has them loaded and answers in milliseconds. ``serve`` writes ``serve.json`` into the data
folder (its port and a random token, readable by its owner only) and removes it on exit; the
command reads it and posts the question with the token (the route: ui/web/local_door.py).

Why a token from the data folder: whoever can read that folder can read the index itself, so
answering them with any role grants nothing new; anyone else gets 403. This module imports no
web framework, so the command stays quick to start.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from iitkb.settings import Settings

SERVE_FILE = "serve.json"
ROUTE = "/iitkb/local/ask"
TOKEN_HEADER = "x-iitkb-token"
# Connecting to a live local server takes a millisecond; a stale serve.json (a killed server)
# must cost little before answering here instead.
CONNECT_TIMEOUT_S = 0.3
ANSWER_TIMEOUT_S = 60.0


def serve_file(settings: Settings) -> Path:
    return settings.data_dir / SERVE_FILE


def announce(settings: Settings, port: int) -> tuple[Path, str]:
    """Write serve.json (owner-only) for this server; returns its path and the token."""
    token = secrets.token_urlsafe(24)
    path = serve_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
        json.dump({"port": port, "token": token, "pid": os.getpid()}, fh)
    return path, token


def withdraw(path: Path, token: str) -> None:
    """Remove serve.json if it is still this server's (another may have started since)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("token") == token:
            path.unlink()
    except (OSError, ValueError):
        pass


class ServedError(ValueError):
    """The running server refused the question as asked (the message says why)."""


def ask_running(settings: Settings, request: dict) -> dict | None:
    """The answer from the server announced in this data folder; None when there is none."""
    try:
        announced = json.loads(serve_file(settings).read_text(encoding="utf-8"))
        port, token = int(announced["port"]), str(announced["token"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    import httpx

    try:
        reply = httpx.post(f"http://127.0.0.1:{port}{ROUTE}", json=request, headers={TOKEN_HEADER: token},
                           timeout=httpx.Timeout(ANSWER_TIMEOUT_S, connect=CONNECT_TIMEOUT_S))
    except httpx.HTTPError:
        return None
    if reply.status_code == 400:
        raise ServedError(reply.json().get("detail", reply.text))
    return reply.json() if reply.status_code == 200 else None
