from __future__ import annotations

from django.urls import path

from clerk_django.webhooks import webhook_view

from .shop import api, views
from .shop.webhooks import router as webhook_router

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard", views.dashboard, name="dashboard"),
    path("admin-area", views.admin_area, name="admin-area"),
    path("no-access", views.no_access, name="no-access"),
    path("me", views.me, name="me"),
    path("api/orders", api.Orders.as_view(), name="orders"),
    path("api/danger-zone", api.DangerZone.as_view(), name="danger-zone"),
    path("api/webhooks/clerk", webhook_view(webhook_router), name="clerk-webhooks"),
    # GET: the sign-in template; with the local instance, a POST (the stand-in's form) and
    # /sign-out are the local instance's (clerk_django.local.LocalFrontendMiddleware).
    path("sign-in", views.sign_in, name="sign-in"),
]
