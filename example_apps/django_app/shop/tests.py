"""Smoke tests of the Django example with the local Clerk instance:
``python example_apps/django_app/manage.py test example_apps.django_app.shop``."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.test import Client, TestCase

from .models import Profile

PAGE = {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html"}


class LocalInstanceJourney(TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def visit(self, path: str) -> tuple[str, int, str]:
        # Follow redirects as a browser does (Django's follow=True drops the query of a 307 GET).
        url = path
        response = self.client.get(url, **PAGE)
        for _ in range(10):
            if response.status_code not in (302, 303, 307):
                break
            url = response["Location"]
            response = self.client.get(url, **PAGE)
        return urlsplit(url).path, response.status_code, response.content.decode()

    def sign_in(self, user_id: str) -> None:
        # As the browser posts the sign-in form: urlencoded.
        response = self.client.post(
            "/sign-in",
            urlencode({"user_id": user_id, "redirect_url": "/dashboard"}),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 303)

    def test_signed_out_visitor_goes_to_the_sign_in_page(self) -> None:
        path, status, body = self.visit("/dashboard")
        self.assertEqual((path, status), ("/sign-in", 200))
        # {% clerk_sign_in %}, drawn by the local instance's ClerkJS stand-in.
        self.assertIn('data-clerk-mount="SignIn"', body)
        self.assertIn('src="/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js"', body)
        self.assertIn("Local Clerk instance", body)
        self.assertIn("Max Member", self.client.get("/__clerk/v1/local/client").content.decode())

    def test_member_journey(self) -> None:
        self.visit("/")
        self.sign_in("user_member")
        path, status, body = self.visit("/dashboard")
        self.assertEqual((path, status), ("/dashboard", 200))
        self.assertIn("Hello, Max Member!", body)
        self.assertIn("From the Backend API: Max Member · organizations: Acme (org:member)", body)
        self.assertIn("Local Clerk instance", body)
        user = get_user_model().objects.get(username="user_member")
        self.assertIn(f"Django user #{user.pk}", body)
        path, status, _ = self.visit("/admin-area")
        self.assertEqual((path, status), ("/no-access", 403))
        orders = self.client.get("/api/orders")
        self.assertEqual(orders.status_code, 200)
        self.assertEqual(orders.json()["organization"], "org_acme")
        self.client.post("/sign-out")
        self.assertEqual(self.client.get("/api/orders").status_code, 401)

    def test_sign_in_syncs_the_user_through_the_webhook_endpoint(self) -> None:
        self.visit("/")
        self.sign_in("user_admin")
        body = self.visit("/dashboard")[2]
        self.assertIn("Synced from Clerk webhooks: ada@acme.test (Ada Admin)", body)
        self.assertIn("shop profile made by the clerk_user_created signal (from a webhook)", body)
        user = get_user_model().objects.get(username="user_admin")
        self.assertEqual((user.email, user.first_name), ("ada@acme.test", "Ada"))
        self.assertEqual(user.clerk_link.clerk_id, "user_admin")

    def test_webhook_endpoint(self) -> None:
        from django.conf import settings

        instance = settings.CLERK["local_frontend"].instance
        data = instance.user_payload("user_hook", first_name="Hook", email="hook@example.test")
        body, headers = instance.sign_webhook("user.created", data)
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        response = self.client.post(
            "/api/webhooks/clerk", body, content_type="application/json", **meta
        )
        self.assertEqual(response.status_code, 200)
        user = get_user_model().objects.get(username="user_hook")  # made by clerk_django.sync
        self.assertEqual(user.email, "hook@example.test")
        self.assertTrue(Profile.objects.filter(user=user).exists())  # by the signal receiver
        replay = self.client.post(
            "/api/webhooks/clerk", body, content_type="application/json", **meta
        )
        self.assertEqual(replay.json(), {"status": "duplicate"})
        bad = self.client.post(
            "/api/webhooks/clerk", body + b" ", content_type="application/json", **meta
        )
        self.assertEqual(bad.status_code, 400)
        body, headers = instance.sign_webhook("user.deleted", {"id": "user_hook", "deleted": True})
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        self.client.post("/api/webhooks/clerk", body, content_type="application/json", **meta)
        user.refresh_from_db()
        self.assertFalse(user.is_active)  # deactivated: the profile and orders keep their rows
        late = instance.user_payload("user_hook", first_name="Late", email="late@example.test")
        late["updated_at"] += 60_000
        body, headers = instance.sign_webhook("user.updated", late)
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        self.client.post("/api/webhooks/clerk", body, content_type="application/json", **meta)
        user.refresh_from_db()
        self.assertEqual((user.is_active, user.email), (False, "hook@example.test"))

    def test_admin_sees_the_admin_area(self) -> None:
        self.visit("/")
        self.sign_in("user_admin")
        path, status, body = self.visit("/admin-area")
        self.assertEqual((path, status), ("/admin-area", 200))
        self.assertIn("Only organization admins", body)

    def test_user_without_organization_cannot_read_orders(self) -> None:
        self.visit("/")
        self.sign_in("user_solo")
        self.assertEqual(self.client.get("/api/orders").status_code, 403)

    def test_delete_my_data_needs_a_recent_verification(self) -> None:
        self.visit("/")
        self.sign_in("user_member")  # the local instance: factors verified an hour ago
        body = self.visit("/dashboard")[2]
        self.assertIn('<form method="post" action="/api/danger-zone" data-clerk-reverify>', body)
        self.assertIn('name="csrfmiddlewaretoken"', body)
        origin = {"HTTP_ORIGIN": "http://testserver"}  # as a browser's fetch sends it
        refused = self.client.post("/api/danger-zone", **origin)
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(
            refused.json(),
            {
                "clerk_error": {
                    "type": "forbidden",
                    "reason": "reverification-error",
                    "metadata": {"reverification": {"level": "second_factor", "afterMinutes": 10}},
                }
            },
        )
        # What the stand-in's "Verify it's you" prompt posts; then the form is sent again.
        self.assertEqual(self.client.post("/__clerk/v1/local/reverify", **origin).status_code, 200)
        done = self.client.post("/api/danger-zone", **origin)
        self.assertEqual(done.status_code, 200)
        self.assertIn("this demo deletes nothing", done.json()["message"])
