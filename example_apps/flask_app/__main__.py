"""Run the Flask example: ``python -m example_apps.flask_app`` (``make demo-flask``)."""

from __future__ import annotations

import os

from clerk_core.testing import DEFAULT_USERS

from .app import create_app


def main() -> None:
    port = int(os.environ.get("PORT", "8002"))
    print(f"\n  clerk-integrations Flask example: http://127.0.0.1:{port}/")
    if not (os.environ.get("CLERK_PUBLISHABLE_KEY") and os.environ.get("CLERK_SECRET_KEY")):
        print("  Local Clerk instance (no keys set). Sign in at /sign-in as one of:")
        for user in DEFAULT_USERS:
            print(f"    - {user.name:<11} {user.email:<18} {user.description}")
    print()
    create_app().run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
