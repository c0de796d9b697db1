"""The local Backend API's ``GET /v1/sessions`` (the list a user's data export reads).

Clerk's shapes: ``user_id`` or ``client_id`` is required (422 ``form_param_missing`` otherwise),
``status`` filters, ``limit`` (default 10) and ``offset`` page; with ``paginated=true`` the answer is
``{"data": [...], "total_count": n}``, without it a bare list.
"""

from __future__ import annotations

import httpx

from .backend import Call, FakeBackendAPI, _error, _public, route


@route("GET", r"/v1/sessions")
def _list_sessions(api: FakeBackendAPI, call: Call) -> httpx.Response:
    params = call.params
    user_id, client_id, status = (params.get(k) for k in ("user_id", "client_id", "status"))
    if not user_id and not client_id:
        return _error(422, "form_param_missing", "user_id or client_id must be given")
    try:
        limit = int(params.get("limit", "10"))
        offset = int(params.get("offset", "0"))
    except ValueError:
        return _error(422, "form_param_format_invalid", "limit and offset must be integers")
    with api._lock:
        found = [
            _public(s)
            for s in api.sessions.values()
            if (not user_id or s["user_id"] == user_id)
            and (not client_id or s["client_id"] == client_id)
            and (not status or s["status"] == status)
        ]
    page = found[offset : offset + limit]
    if params.get("paginated") == "true":
        return httpx.Response(200, json={"data": page, "total_count": len(found)})
    return httpx.Response(200, json=page)
