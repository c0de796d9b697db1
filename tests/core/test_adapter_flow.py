"""clerk_core.adapter: the request flow every adapter runs (guards, early answers, headers)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clerk_core import AuthObject, AuthStatus, MalformedURLError, RequestState
from clerk_core.adapter import (
    Refusal,
    answerless_state,
    arun_guard,
    before_app,
    headers_after_app,
    is_replaced,
    merged_raw_headers,
    protect_refusal,
    run_guard,
)
from clerk_core.testing import LocalClerkInstance


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(authorized_parties=("http://127.0.0.1:8000",))


def member_state(instance: LocalClerkInstance) -> tuple[Any, RequestState]:
    engine = instance.clerk()
    token = instance.session_token("user_m", org_id="org_1", org_role="org:member")
    view = instance.request("/admin", bearer=token)
    return view, engine.authenticate_request(view)


def admin_only(auth: AuthObject, native: Any) -> None:
    auth.protect(role="org:admin")


async def async_admin_only(auth: AuthObject, native: Any) -> None:
    auth.protect(role="org:admin")


def test_a_sync_guard_that_refuses_is_a_refusal(instance: LocalClerkInstance) -> None:
    view, state = member_state(instance)
    options = instance.clerk().options
    result = run_guard(
        admin_only, state.to_auth(), object(), request=view, state=state, options=options
    )
    assert isinstance(result, Refusal)
    assert (result.response.status, result.response.json()) == (403, {"error": "forbidden"})


def test_an_async_guard_settles_the_same_way(instance: LocalClerkInstance) -> None:
    view, state = member_state(instance)
    options = instance.clerk().options
    pending = run_guard(
        async_admin_only, state.to_auth(), None, request=view, state=state, options=options
    )
    assert asyncio.iscoroutine(pending)  # a sync adapter runs it to completion itself
    result = asyncio.run(pending)
    assert isinstance(result, Refusal)
    assert result.response.status == 403
    again = asyncio.run(
        arun_guard(
            async_admin_only, state.to_auth(), None, request=view, state=state, options=options
        )
    )
    assert isinstance(again, Refusal)


def test_a_guard_result_is_handed_back(instance: LocalClerkInstance) -> None:
    view, state = member_state(instance)
    marker = object()
    result = asyncio.run(
        arun_guard(
            lambda auth, native: marker,
            state.to_auth(),
            None,
            request=view,
            state=state,
            options=instance.clerk().options,
        )
    )
    assert result is marker


def test_a_malformed_url_is_a_400_and_other_errors_propagate(
    instance: LocalClerkInstance,
) -> None:
    view, state = member_state(instance)
    options = instance.clerk().options

    def malformed(auth: AuthObject, native: Any) -> None:
        raise MalformedURLError("bad escape")

    result = run_guard(malformed, state.to_auth(), None, request=view, state=state, options=options)
    assert isinstance(result, Refusal)
    assert result.response.json() == {"error": "bad_request", "reason": "malformed-url"}

    def broken(auth: AuthObject, native: Any) -> None:
        raise ValueError("a bug in the guard")

    with pytest.raises(ValueError, match="a bug"):
        run_guard(broken, state.to_auth(), None, request=view, state=state, options=options)


def test_the_view_is_built_only_for_a_refusal(instance: LocalClerkInstance) -> None:
    view, state = member_state(instance)
    built: list[int] = []

    def source() -> Any:
        built.append(1)
        return view

    options = instance.clerk().options
    auth = state.to_auth()
    assert protect_refusal(state, auth, {}, request=source, options=options) is None
    assert built == []
    refused = protect_refusal(state, auth, {"role": "org:admin"}, request=source, options=options)
    assert refused is not None
    assert refused.status == 403
    assert built == [1]


def test_before_app_answers_the_cross_origin_request_unless_told_not_to(
    instance: LocalClerkInstance,
) -> None:
    engine = instance.clerk()
    token = instance.session_token("user_c")
    view = instance.request(
        "/transfer",
        method="POST",
        session=token,
        headers={"origin": "https://evil.example"},
    )
    state = engine.authenticate_request(view)
    assert state.status is AuthStatus.SIGNED_IN
    refused = before_app(state, view, engine.options)
    assert refused is not None
    assert refused.json() == {"error": "forbidden", "reason": "cross-origin-request"}
    assert before_app(state, view, engine.options, check_origin=False) is None
    signed_out = answerless_state(state, view, engine.options)
    assert signed_out.status is AuthStatus.SIGNED_OUT
    assert signed_out.reason == "cross-origin-request"
    assert answerless_state(state, view, engine.options, check_origin=False) is state


def test_headers_after_app_are_added_once() -> None:
    state = RequestState(AuthStatus.SIGNED_IN)
    state.headers = [("x-clerk-auth-status", "signed-in"), ("set-cookie", "__session=t; Path=/")]
    added = headers_after_app(state, [("content-type", "text/plain")])
    assert added == [
        ("x-clerk-auth-status", "signed-in"),
        ("set-cookie", "__session=t; Path=/"),
        ("cache-control", "private, no-store"),
    ]
    assert [name for name, _ in added if is_replaced(name)] == ["cache-control"]
    assert headers_after_app(state, added) == []
    assert headers_after_app(None, []) == []


def _merged_by_text(
    state: RequestState, raw: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """What an ASGI adapter sends, worked out on text: the response's headers less those Clerk's
    replace, then Clerk's (headers_after_app)."""
    present = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    added = headers_after_app(state, present)
    replaced = {k.lower() for k, _ in added if is_replaced(k)}
    kept = [(k, v) for k, v in raw if k.decode("latin-1").lower() not in replaced]
    return kept + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in added]


@pytest.mark.parametrize(
    "state_headers",
    [
        [("x-clerk-auth-status", "signed-out"), ("x-clerk-auth-reason", "r")],
        [("X-Clerk-Auth-Status", "signed-out")],
        [("x-clerk-auth-status", "signed-in"), ("set-cookie", "__session=t; Path=/")],
        [("set-cookie", "a=1"), ("set-cookie", "b=2")],
        [],
    ],
)
@pytest.mark.parametrize(
    "raw",
    [
        [(b"content-type", b"application/json"), (b"content-length", b"2")],
        [(b"x-clerk-auth-status", b"signed-out"), (b"content-length", b"2")],
        [(b"X-Clerk-Auth-Reason", b"other"), (b"cache-control", b"public")],
        [(b"Cache-Control", b"max-age=60"), (b"set-cookie", b"a=1")],
        [],
    ],
)
def test_merged_raw_headers_are_the_text_merge(
    state_headers: list[tuple[str, str]], raw: list[tuple[bytes, bytes]]
) -> None:
    state = RequestState(AuthStatus.SIGNED_OUT, headers=list(state_headers))
    merged = merged_raw_headers(state, iter(raw))
    assert merged == _merged_by_text(state, raw)
    # Merged twice (a refusal rendered inside the app, then the middleware): each header once.
    assert merged_raw_headers(state, merged) == _merged_by_text(state, merged)
    assert sorted(merged_raw_headers(state, merged)) == sorted(merged)
