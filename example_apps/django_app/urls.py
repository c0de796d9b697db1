from __future__ import annotations

from django.urls import path

from .shop import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard", views.dashboard, name="dashboard"),
    path("admin-area", views.admin_area, name="admin-area"),
    path("no-access", views.no_access, name="no-access"),
    path("me", views.me, name="me"),
    path("api/orders", api.Orders.as_view(), name="orders"),
    path("sign-in", views.sign_in, name="sign-in"),  # real keys only: the local instance serves it
    path("sign-out", views.sign_out, name="sign-out"),
]
