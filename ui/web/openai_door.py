"""An OpenAI-compatible door: `GET /v1/models` and `POST /v1/chat/completions`.

Chat clients people already use (Open WebUI, Cherry Studio, ChatBox, LibreChat, the `openai`
package) speak this protocol. The door answers the last user message with the same cited answer
as every other door: the content holds the [n] markers and a sources list, and a top-level
``citations`` array holds the ask JSON's citations (with ``url`` for ``path``, as the web API).

Who is asking: ``Authorization: Bearer KEY``, a key from `iitkb users key NAME`; the key's user's
role applies, read live from the users file. With no users at all the app serves anonymous
sponsors on loopback only, as the web app does; otherwise a missing or unknown key gets 401.
"""

from __future__ import annotations

import json
import re
import time
import uuid

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from index.store import StoreError
from proposals.sources import source_line
from retrieval.filters import FilterError
from ui.web.context import Context
from ui.web.render import api_answer

MODEL = "iitkb"
LOOPBACK = ("127.0.0.1", "::1")


def openai_error(status: int, message: str, kind: str, code: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": code}}, status_code=status)


def caller_role(ctx: Context, request: Request) -> tuple[str, str]:
    """(who, role) for this request, or HTTPException 401 (see the module docstring)."""
    header = request.headers.get("authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else ""
    name = ctx.users.key_user(key) if key else None
    if name and ctx.users.role(name):
        return f"user:{name}", ctx.users.role(name)
    client = request.client.host if request.client else ""
    if not ctx.auth_required and client in LOOPBACK:
        return f"address:{client}", "sponsor"
    raise HTTPException(status_code=401, detail="invalid API key: create one with `iitkb users key NAME`")


def last_question(body: dict) -> str:
    """The text of the last user message (a string, or a list of text parts)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "").strip()
    return ""


def content_of(answer: dict) -> str:
    if not answer["citations"]:
        return answer["answer"]
    sources = "\n".join(f"[{c['n']}] {source_line(c)}" for c in answer["citations"])
    return f"{answer['answer']}\n\nSources:\n{sources}"


# Where a streamed answer is cut: after each sentence end and each line, the delimiters kept,
# so the pieces join back to exactly the non-streamed content.
_PIECE_END = re.compile(r"(?<=[。！？；\n])|(?<=[.!?;])(?=\s)")


def completion(answer: dict, stream: bool) -> dict:
    """The chat.completion object, or the first chunk of a stream (the role, no content yet)."""
    made = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": MODEL,
            "citations": answer["citations"]}
    if stream:
        return {**made, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    message = {"role": "assistant", "content": content_of(answer)}
    return {**made, "object": "chat.completion", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


def pieces(content: str) -> list[str]:
    """The content cut into sentences and lines (blank lines stay with the sentence before
    them); ``"".join(pieces(c)) == c``."""
    out: list[str] = []
    for piece in _PIECE_END.split(content):
        if out and not piece.strip():
            out[-1] += piece
        elif piece:
            out.append(piece)
    return out


def events(answer: dict):
    """Server-sent events: the role (with the citations), the content one sentence per chunk as
    chat clients expect of a stream, a closing chunk, then [DONE]. Each later chunk has the
    first one's id and no citations."""
    first = completion(answer, stream=True)
    yield f"data: {json.dumps(first, ensure_ascii=False)}\n\n"
    later = {k: v for k, v in first.items() if k != "citations"}
    for piece in pieces(content_of(answer)):
        chunk = {**later, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
    closing = {**later, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield f"data: {json.dumps(closing, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


async def answer_for(ctx: Context, who: str, role: str, question: str) -> dict:
    if not question:
        raise HTTPException(status_code=400, detail="the last user message is empty: ask a question")
    wait = ctx.answer_limit.take(who)
    if wait:
        raise HTTPException(status_code=429, detail=f"too many questions; try again in {max(1, wait):.0f} s")
    note = ctx.unsupported_question(question)
    if note:
        return {"answer": note, "citations": [], "abstained": True}
    try:
        answer = api_answer(await ctx.ask(question, role))
    except FilterError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    except StoreError as exc:
        raise HTTPException(status_code=503, detail=ctx.store_down(exc)) from None
    ctx.audit.answer("v1", who[5:] if who.startswith("user:") else None, role, answer)
    return answer


def openai_routes(server: FastAPI, ctx: Context) -> None:
    @server.get("/v1/models")
    def models(request: Request):
        try:
            caller_role(ctx, request)
        except HTTPException as exc:
            return openai_error(exc.status_code, exc.detail, "invalid_request_error", "invalid_api_key")
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "iitkb"}]}

    @server.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        try:
            who, role = caller_role(ctx, request)
            body = await request.json()
            answer = await answer_for(ctx, who, role, last_question(body if isinstance(body, dict) else {}))
        except HTTPException as exc:
            ctx.note_user_error("v1", str(exc.detail))
            code = "invalid_api_key" if exc.status_code == 401 else None
            return openai_error(exc.status_code, exc.detail, "invalid_request_error", code)
        except ValueError:
            return openai_error(400, "the body must be JSON", "invalid_request_error")
        if body.get("stream"):
            return StreamingResponse(events(answer), media_type="text/event-stream")
        return completion(answer, stream=False)
