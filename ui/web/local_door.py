"""The route behind ``ui.local``: a running server answering the `iitkb` command on this machine.

Only a loopback caller with the token this server wrote into its data folder's serve.json gets
an answer, for the role it names (see ui/local.py for why that grants nothing new).
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, HTTPException, Request

from index.store import StoreError
from retrieval.filters import FilterError, Filters
from ui.local import ROUTE, TOKEN_HEADER
from ui.web.context import Context


def local_route(server: FastAPI, ctx: Context, token_of) -> None:
    """``token_of()`` gives the token serve.json holds (None: the door is closed)."""

    @server.post(ROUTE)
    async def local_ask(request: Request):
        token = token_of()
        client = (request.client.host if request.client else "") or ""
        given = request.headers.get(TOKEN_HEADER, "")
        known = bool(token) and secrets.compare_digest(given.encode(), token.encode())
        if not known or client not in ("127.0.0.1", "::1"):
            raise HTTPException(status_code=403, detail="not this server's command line")
        body = await request.json()
        try:
            filters = Filters(**{k: body.get(k) for k in ("lang", "doc_type", "as_of")},
                              status=tuple(body["status"]) if body.get("status") else None)
            answer = await ctx.ask(str(body.get("question", "")), str(body.get("role", "sponsor")),
                                   None, filters)
        except FilterError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        except StoreError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from None
        return answer.to_json()
