from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_django.drf import Has, HasPermission

ORDERS = [
    {"id": "ord_1001", "item": "Espresso machine", "total": 349.0},
    {"id": "ord_1002", "item": "Grinder", "total": 129.5},
]


class Orders(APIView):
    """JSON for members whose organization role grants org:orders:read."""

    permission_classes = [HasPermission("org:orders:read")]

    def get(self, request: Request) -> Response:
        return Response({"organization": request.auth.org_id, "orders": ORDERS})


DANGER_ZONE_MESSAGE = (
    "Verified recently: a real app would delete your data now (this demo deletes nothing)."
)


class DangerZone(APIView):
    """The dashboard's "Delete my data": needs a recent verification. A stale session gets Clerk's
    403 reverification hint; the dashboard's ``data-clerk-reverify`` form then opens Clerk's prompt
    and posts again (with the CSRF token of its ``{% csrf_token %}``)."""

    permission_classes = [Has(reverification="strict")]

    def post(self, request: Request) -> Response:
        return Response({"message": DANGER_ZONE_MESSAGE, "user_id": request.auth.user_id})
