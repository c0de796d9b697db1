"""Settings of the Django example project.

With ``CLERK_PUBLISHABLE_KEY`` and ``CLERK_SECRET_KEY`` in the environment it signs in with your
Clerk application; without them it runs against the local Clerk instance of ``clerk_core.testing``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "clerk_django",
    "example_apps.django_app.shop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clerk_django.local.LocalFrontendMiddleware",  # the local instance's pages (does nothing with keys)
    "clerk_django.middleware.ClerkMiddleware",
]
ROOT_URLCONF = "example_apps.django_app.urls"
TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "example_apps.django_app.shop.context.clerk",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["clerk_django.drf.ClerkAuthentication"],
    "UNAUTHENTICATED_USER": None,
}

CLERK: dict[str, Any] = {
    "guard": "example_apps.django_app.shop.guards.guard",
    "django_users": True,  # request.user is a Django user, created on first sight by Clerk user id
    # Webhooks (clerk_django.sync) keep email and names current; a user deleted in Clerk is
    # deactivated (is_active=False), so orders and other foreign keys keep their rows.
    "user_delete_policy": "deactivate",
}
if not (os.environ.get("CLERK_PUBLISHABLE_KEY") and os.environ.get("CLERK_SECRET_KEY")):
    from clerk_core.testing import LocalFrontendAPI

    LOCAL_CLERK = LocalFrontendAPI(app_name="the Django example", hosted_sign_in=False)
    # The engine reaches the local instance's Backend API in memory (current_user, memberships).
    CLERK.update(
        clerk=LOCAL_CLERK.clerk(
            content_security_policy=os.environ.get("CLERK_CONTENT_SECURITY_POLICY")
        ),
        options=LOCAL_CLERK.options(),
        local_frontend=LOCAL_CLERK,
    )
