"""Idempotency stores that work across processes: Redis (a real redis-server on 127.0.0.1) and
Django's cache framework."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from clerk_core import WebhookRouter, WebhookVerifier
from clerk_core.testing import LocalClerkInstance
from clerk_core.webhooks import RedisIdempotencyStore

ROOT = Path(__file__).resolve().parents[2]


WORKER = """
import json, sys, time
import redis
from clerk_core import WebhookRouter, WebhookVerifier, handle_webhook
from clerk_core.webhooks import RedisIdempotencyStore

port, secret, body_path, go_at = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
delivery = json.load(open(body_path))
client = redis.Redis(host="127.0.0.1", port=port)
router = WebhookRouter(store=RedisIdempotencyStore(client))

@router.on("user.created")
def created(event):
    client.rpush("processed", event.id)
    time.sleep(0.3)  # long enough for the other process to arrive while this one works

while time.time() < go_at:
    time.sleep(0.005)
response = handle_webhook(delivery["body"].encode(), delivery["headers"], router,
                          WebhookVerifier(secret))
print(json.dumps({"status": response.status, "body": response.json()}))
"""


def test_two_processes_process_a_delivery_once(redis_port: int, tmp_path: Path) -> None:
    import redis

    instance = LocalClerkInstance()
    body, headers = instance.sign_webhook("user.created", instance.user_payload("user_r"))
    delivery = tmp_path / "delivery.json"
    delivery.write_text(json.dumps({"body": body.decode(), "headers": headers}))
    go_at = str(time.time() + 1.5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        sys.executable,
        "-c",
        WORKER,
        str(redis_port),
        instance.webhook_signing_secret,
        str(delivery),
        go_at,
    ]
    workers = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    assert client.lrange("processed", 0, -1) == [headers["svix-id"].encode()]
    statuses = sorted(r["body"]["status"] for r in results)
    assert statuses in (["in-progress", "ok"], ["duplicate", "ok"])
    # A later redelivery (Clerk's retry or a replay) is acknowledged without processing.
    out = subprocess.run(
        [*args[:-1], str(time.time())],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1])["body"] == {"status": "duplicate"}
    assert client.llen("processed") == 1


def test_redis_store_release_after_failure(redis_port: int) -> None:
    import redis

    store = RedisIdempotencyStore(redis.Redis(host="127.0.0.1", port=redis_port), prefix="t:")
    assert store.claim("msg_1", 60)
    assert not store.claim("msg_1", 60)
    assert not store.is_done("msg_1")
    store.release("msg_1")
    assert store.claim("msg_1", 60)
    store.complete("msg_1", 60)
    assert store.is_done("msg_1")
    assert repr(store) == "RedisIdempotencyStore(prefix='t:')"


def test_django_cache_store(settings: Any) -> None:
    from clerk_django.webhooks import DjangoCacheIdempotencyStore

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "clerk-webhooks-test",
        }
    }
    instance = LocalClerkInstance()
    verifier = WebhookVerifier(instance.webhook_signing_secret)
    router = WebhookRouter(store=DjangoCacheIdempotencyStore())
    calls: list[str] = []
    router.on("user.created")(lambda event: calls.append(event.id))
    body, headers = instance.sign_webhook("user.created", instance.user_payload())
    event = verifier.verify(body, headers)
    assert router.handle(event).status == "ok"
    assert router.handle(event).status == "duplicate"
    # A second router on the same cache (another worker) sees the delivery as processed.
    other = WebhookRouter(store=DjangoCacheIdempotencyStore())
    other.on("user.created")(lambda event: calls.append("again"))
    assert other.handle(event).status == "duplicate"
    assert calls == [headers["svix-id"]]
