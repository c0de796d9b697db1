"""Clerk's Backend API: a sync and an async client over one request and policy layer.

    api = BackendAPI(secret_key="sk_test_...")          # or clerk.backend_api
    user = api.users.get("user_123")
    for membership in api.users.organization_memberships("user_123"):
        print(membership.organization.name, membership.role)

    async_api = AsyncBackendAPI(secret_key="sk_test_...")
    user = await async_api.users.get("user_123")

The package has three layers:

* **endpoints** (``endpoints/``, sans-I/O): each endpoint is a function returning a :class:`Call`
  (method, path template and ids, query, body, whether it may be repeated, how to read the answer),
  one module per group (``users``, ``organizations``, ``organization_invitations``, ``sessions``,
  ``invitations``, ``allowlist_identifiers``, ``blocklist_identifiers``, ``jwt_templates``, ...);
* **policy and transport** (``_policy.py``, ``_pools.py``): one header builder, the deadline, the
  retries, ``Retry-After``, the circuit, the body cap, and the mapping of answers to results or
  :class:`ClerkAPIError`; the clients only send and sleep;
* **namespaces** (``api.users``, ``api.organizations``, ...): typed methods, keyword-only
  parameters named as Clerk's query and body fields, each passing them to its endpoint.

The policy:

* ``429`` is retried after ``Retry-After`` (or a back-off), for any method: the request was not run;
* ``5xx``, timeouts and connection errors are retried with exponential back-off and jitter, for
  idempotent requests only (``GET``, ``DELETE``); a ``POST`` or ``PATCH`` is never repeated;
* each call has an overall deadline; a wait that would pass it is not started;
* after ``circuit_threshold`` consecutive failures the client stops calling the API for
  ``circuit_cooldown`` seconds (one trial request then decides), so a failing API is not hammered.

Errors are :class:`ClerkAPIError` (``status``, ``errors``, ``codes``, ``clerk_trace_id``,
``retry_after``); no message or ``repr`` contains the secret key.

Two rules hold for every endpoint: an id is one path segment (``users.get("..")`` raises
``ValueError`` before any request exists; see :class:`Call`), and a response body is read under
``ApiPolicy.max_body_bytes`` (a larger one is a ``ClerkAPIError`` with the code
``response_too_large``, never a ``MemoryError``).

**Raw requests.** :meth:`BackendAPI.send_raw` (and its async twin) sends one request and returns a
:class:`RawResult` (``status``, ``data``) whatever the answer: the engine's own calls (handshake
payload, session refresh, machine-token verification) read Clerk's status themselves. They share the
pooled client, the headers, the deadline, the body cap and the circuit; they retry only once, only
after a network error, and only when the request may be repeated (see ``send_raw``).

**One source for two clients.** The async client and its namespaces (``_client_async.py``,
``_users_async.py``, ``_organizations_async.py``, ``_instance_async.py``, ``_machine_async.py``: every
``*_async.py`` module) are the source; their sync twins (``*_sync.py``) are generated from them
by ``python clerk_core/backend_api/_gen.py``, an ``unasync``-style token rewrite (``async def`` -> ``def``, ``await`` dropped, ``AsyncBackendAPI``
-> ``BackendAPI``, ...), and checked in; a test fails when a checked-in twin differs from a fresh
generation. This was chosen over a typed binder because each method stays a plain, fully typed
function in both clients (strict mypy, IDE help and tracebacks see ordinary code), at the price of a
generation step.

**Adding a group of endpoints**: write ``endpoints/<group>.py`` (one function per endpoint), add its
namespace class to an ``*_async.py`` module (a new one is twinned too) and attach it in
``AsyncBackendAPI.__init__``, then run the generator.
"""

from __future__ import annotations

from ._call import Call, ClerkList, path_segment
from ._client_async import AsyncBackendAPI
from ._client_sync import BackendAPI
from ._policy import ApiPolicy, RawResult
from .endpoints import Endpoints

__all__ = [
    "ApiPolicy",
    "AsyncBackendAPI",
    "BackendAPI",
    "Call",
    "ClerkList",
    "Endpoints",
    "RawResult",
    "path_segment",
]
