from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_django.drf import HasPermission

ORDERS = [
    {"id": "ord_1001", "item": "Espresso machine", "total": 349.0},
    {"id": "ord_1002", "item": "Grinder", "total": 129.5},
]


class Orders(APIView):
    """JSON for members whose organization role grants org:orders:read."""

    permission_classes = [HasPermission("org:orders:read")]

    def get(self, request: Request) -> Response:
        return Response({"organization": request.auth.org_id, "orders": ORDERS})
