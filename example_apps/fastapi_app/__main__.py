"""Run the FastAPI example: ``python -m example_apps.fastapi_app`` (``make demo``)."""

from __future__ import annotations

import os

import uvicorn

from clerk_core.testing import DEFAULT_USERS

from .app import create_app


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    app = create_app()
    url = f"http://{host}:{port}/"
    print(f"\n  clerk-integrations FastAPI example: {url}")
    if os.environ.get("CLERK_PUBLISHABLE_KEY") and os.environ.get("CLERK_SECRET_KEY"):
        print("  Using your Clerk application (CLERK_PUBLISHABLE_KEY / CLERK_SECRET_KEY).\n")
    else:
        print("  Local Clerk instance (no keys set). Sign in at /sign-in as one of:")
        for user in DEFAULT_USERS:
            print(f"    - {user.name:<11} {user.email:<18} {user.description}")
        print()
    uvicorn.run(app, host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
