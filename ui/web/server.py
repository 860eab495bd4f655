"""The server around the page: request guards, login, the role-checked source route, serve().

Why it is shaped this way:
- Browsers send the session cookie with requests that a page on another port of the same
  machine makes (same site, not same origin), and Gradio answers credentialed CORS requests from
  any localhost origin. ``Guard`` therefore refuses, before Gradio sees it, any request whose
  Origin is not this app's own, and any other-site request that is not a plain navigation; a
  /v1 call with a bearer API key passes (it carries no cookie), so chat clients can use the door.
- ``LiveLogin`` turns login on when the first user is added while the app runs.
- Sessions are bound to the credentials they logged in with (``sessions.SessionTable``) and
  logins are throttled and hashed off the event loop (``sessions.Login``).
- ``/source/{doc_id}`` applies the same role check as answers: a sponsor asking for an internal
  document gets the same 404 as for a document that does not exist. It serves a file only when
  it is still where ingestion found it (no link swapped in since), is a document type, and lies
  outside the data folder unless in its uploads: never the users file or the index itself.

Example::

    serve(load_settings(), host="127.0.0.1", port=7860)
"""

from __future__ import annotations

import ipaddress
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse
from starlette.datastructures import Headers
from starlette.routing import Mount

from iitkb.paths import is_inside, resolve_stored
from iitkb.schema import DOCUMENT_TYPES
from iitkb.settings import PROJECT_ROOT, Settings
from ingest.uploads import uploads_dir
from retrieval.answer import Answerer
from ui.users import UserError, UserStore
from ui.web.app import build_app
from ui.web.context import Context
from ui.local import announce, withdraw
from ui.web.local_door import local_route
from ui.web.openai_door import openai_routes
from ui.web.changes import CSS as CHANGES_CSS, changes_route
from ui.web.render import CITE_JS, CSS
from ui.web.sessions import CLIENT_ADDRESS, Login, SessionTable, StrictCookies
from ui.web.source_page import FROM_CLAUSES, POLICY, rendered, source_page

LOOPBACK_NAMES = ("localhost",)
SETUP_HINT = "add a user first: `iitkb users add NAME --role staff --password-stdin`"
AUTH_MESSAGE = "iitkb: log in with the account an administrator gave you / 请使用管理员分配的账号登录"
FONTS = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


class ServeError(RuntimeError):
    """The app cannot be served as asked; the message says how to fix it."""


# guards ------------------------------------------------------------------------------------
def same_origin(headers: Headers) -> bool:
    """Whether a request may come from where it says: no Origin (scripts, plain navigation) or
    this app's own, and no other-site fetch but a top-level navigation (a link to the app)."""
    origin = headers.get("origin")
    if origin is not None:
        own = {h.strip().lower() for h in (headers.get("host", ""),
                                           headers.get("x-forwarded-host", "").split(",")[0]) if h.strip()}
        if origin == "null" or urlsplit(origin).netloc.lower() not in own:
            return False
    site = headers.get("sec-fetch-site")
    return site not in ("cross-site", "same-site") or headers.get("sec-fetch-mode") == "navigate"


def bearer_api_call(scope, headers: Headers) -> bool:
    """A /v1 call carrying its API key: it holds no cookie a page could borrow, so desktop and
    browser chat clients (which send their own Origin) may make it."""
    return scope.get("path", "").startswith("/v1/") and headers.get("authorization", "").lower().startswith("bearer ")


class Guard:
    """Outer ASGI middleware: refuse requests from other origins, note the client's address."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            if not same_origin(headers) and not bearer_api_call(scope, headers):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                refusal = PlainTextResponse("refused: this request came from another site's page; "
                                            "open the app at its own address", status_code=403)
                await refusal(scope, receive, send)
                return
            CLIENT_ADDRESS.set((scope.get("client") or ("",))[0])
        await self.app(scope, receive, send)


class LiveLogin:
    """ASGI middleware: turns Gradio's login on at the first request after the first user is
    added, so a server started without users needs no restart (``Context.auth_required``)."""

    def __init__(self, app, ctx: Context, gradio_app: list, check):
        self.app, self.ctx, self.gradio_app, self.check = app, ctx, gradio_app, check

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and self.gradio_app and self.gradio_app[0].auth is None \
                and self.ctx.auth_required:
            self.gradio_app[0].auth = self.check
        await self.app(scope, receive, send)


# the source route --------------------------------------------------------------------------
def servable(settings: Settings, stored: str) -> Path | None:
    """The file behind a catalog path, if it may be served (see the module docstring)."""
    if not stored:
        return None
    path = resolve_stored(stored)
    real = path.resolve()
    if real != path or not real.is_file() or real.suffix.lower() not in DOCUMENT_TYPES:
        return None
    if real == settings.users_path.resolve():
        return None
    if is_inside(real, [settings.data_dir]) and not is_inside(real, [uploads_dir(settings)]):
        return None
    return real


def file_response(path: Path) -> FileResponse:
    """PDFs inline (so #page=N works), text as plain text, anything else as a download.

    HTML is sent as plain text: a document's markup must never run as this app's page."""
    suffix = path.suffix.lower()
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
               "Cache-Control": "private, no-store"}
    if suffix == ".pdf":
        headers.pop("Content-Security-Policy")
        return FileResponse(path, media_type="application/pdf", headers=headers, content_disposition_type="inline")
    if suffix in TEXT_SUFFIXES:
        return FileResponse(path, media_type="text/plain; charset=utf-8", headers=headers,
                            content_disposition_type="inline")
    return FileResponse(path, filename=path.name, headers=headers)


def cookie_user(gradio_app, request: Request) -> str | None:
    """The logged-in name behind Gradio's session cookie (the same lookup as Gradio's /user)."""
    cookie_id = getattr(gradio_app, "cookie_id", None)
    if cookie_id is None:
        return None
    token = request.cookies.get(f"access-token-{cookie_id}") or \
        request.cookies.get(f"access-token-unsecure-{cookie_id}")
    return gradio_app.tokens.get(token) if token else None


def _source_route(server: FastAPI, ctx: Context, gradio_app: list):
    @server.get("/source/{doc_id}")
    def source(doc_id: str, request: Request, quote: str = "", raw: bool = False):
        """The document, if the logged-in role may see it; 404 alike for hidden and missing.

        A Markdown or text document comes as a rendered page (``source_page``) with the quote
        highlighted; ``raw=1`` gives the file as stored."""
        role = ctx.role_for(cookie_user(gradio_app[0], request) if gradio_app else None)
        if role is None:
            raise HTTPException(status_code=401, detail="log in first")
        meta = next((d for d in ctx.visible_documents(role) if d.get("doc_id") == doc_id), None)
        path = servable(ctx.settings, meta.get("path", "")) if meta else None
        if path is None:
            raise HTTPException(status_code=404, detail="no such document")
        if rendered(path) and not raw:
            chunks = ctx.searcher.index.document_chunks(doc_id) if path.suffix.lower() in FROM_CLAUSES else ()
            return HTMLResponse(source_page(meta, path, quote, chunks), headers={
                "Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store"})
        return file_response(path)


# serving -----------------------------------------------------------------------------------
def make_server(settings: Settings, answerer: Answerer | None = None) -> FastAPI:
    """A FastAPI app: the guard, the source-file route, then the Gradio app (with login when
    users exist). Its ``state.iitkb`` is the Context the handlers share."""
    demo = build_app(settings, answerer)
    ctx: Context = demo.iitkb_context
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    server.add_middleware(Guard)
    server.add_middleware(StrictCookies)
    server.state.iitkb = ctx
    gradio_app: list = []
    _source_route(server, ctx, gradio_app)
    server.state.local_token = None                  # set by serve(): see ui/web/local_door.py
    local_route(server, ctx, lambda: server.state.local_token)
    openai_routes(server, ctx)
    changes_route(server, ctx, lambda request: ctx.role_for(cookie_user(gradio_app[0], request) if gradio_app else None))
    sessions = SessionTable(ctx.users.stamp)
    login = Login(ctx.users, sessions)
    server.add_middleware(LiveLogin, ctx=ctx, gradio_app=gradio_app, check=login.check)
    gr.mount_gradio_app(
        server, demo, path="/", auth=login.check if ctx.auth_required else None, auth_message=AUTH_MESSAGE,
        show_error=False, ssr_mode=False, max_file_size=int(settings.max_file_mb * 1e6), footer_links=["api"],
        blocked_paths=[str(settings.data_dir), str(PROJECT_ROOT / "corpus"), str(settings.users_path)],
        theme=gr.themes.Soft(font=FONTS, font_mono=["monospace"]), css=CSS + CHANGES_CSS, head=CITE_JS)
    gradio_app.extend(r.app for r in server.routes if isinstance(r, Mount))
    gradio_app[0].tokens = sessions
    # mount_gradio_app leaves this False, which makes Gradio skip its own check that a file
    # input was uploaded (and not named by the caller); set it so that check runs too.
    demo.has_launched = True
    return server


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the app; without users it serves anonymous sponsors on a loopback address only."""
    try:
        users = len(UserStore(settings.users_path))
    except UserError as exc:
        raise ServeError(str(exc)) from None
    if not users and not is_loopback(host):
        raise ServeError(f"refusing to serve on {host} with no users: anyone who can reach it would use "
                         f"the app without logging in. To serve beyond this machine, {SETUP_HINT} "
                         f"(users file: {settings.users_path}); or serve on 127.0.0.1.")
    import uvicorn

    app = make_server(settings)
    announced, app.state.local_token = announce(settings, port)
    mode = (f"{users} user(s), login required" if users else "no users: anonymous sponsor access until "
            "the first `iitkb users add`, which turns login on without a restart")
    print(f"iitkb web app on http://{host}:{port} ({mode}); OpenAI-compatible API at http://{host}:{port}/v1; "
          "Ctrl+C stops it", file=sys.stderr)
    # uvicorn re-raises SIGTERM after its shutdown; as SystemExit it lets the finally run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        withdraw(announced, app.state.local_token)
