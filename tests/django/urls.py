from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from . import views

urlpatterns = [
    path("", views.open_view),
    path("async-open", views.async_open_view),
    path("private", views.private),
    path("async-private", views.async_private),
    path("admin-only", views.admin_only),
    path("admin-redirect", views.admin_redirect),
    path("condition", views.condition_view),
    path("guarded/page", views.open_view),
    path("maintenance", views.open_view),
    path("whoami-user", views.whoami_user),
    path("cbv/orders", views.OrdersView.as_view()),
    path("cbv/async-members", views.AsyncMembersView.as_view()),
    path("api/me", views.ApiSignedIn.as_view()),
    path("api/orders", views.ApiOrders.as_view()),
    path("api/admins", views.ApiAdmins.as_view()),
    path("api/feature", views.ApiFeature.as_view()),
    path("transfer", views.transfer),
    path("transfer-exempt", views.transfer_exempt),
    path("private-transfer", views.private_transfer),
    path("cbv/transfer", views.TransferView.as_view()),
    path("api/transfer", views.ApiTransfer.as_view()),
    path("cookies", views.cookie_view),
    path("no-access", lambda request: HttpResponse("no access", status=403)),
]
