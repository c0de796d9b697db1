"""Each package's ``__all__`` is locked, and the names every adapter shares are the same verbs.

A change to a public list is deliberate: update the expected list here, the README's "Names
across frameworks" table, and keep an old name as an alias (the same object) when one changes.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

EXPECTED: dict[str, list[str]] = {
    "clerk_core": [
        "AuthErrorReason",
        "AuthObject",
        "AuthResponse",
        "AuthStatus",
        "Clerk",
        "ClerkAPIError",
        "ClerkConfigurationError",
        "ClerkError",
        "ClerkOptions",
        "MachineAuth",
        "MachineUnauthenticated",
        "MalformedURLError",
        "MemoryIdempotencyStore",
        "ProtectError",
        "ProtectParams",
        "RequestState",
        "RequestView",
        "ReverificationRequired",
        "RouteMatcher",
        "SessionAuth",
        "SignedOutAuth",
        "TokenTypeMismatch",
        "TokenVerificationError",
        "TokenVerificationErrorReason",
        "Unauthenticated",
        "Unauthorized",
        "WebhookEvent",
        "WebhookRouter",
        "WebhookVerificationError",
        "WebhookVerifier",
        "__version__",
        "auth_response",
        "check_protect",
        "component_redirect_options",
        "cookie_suffix",
        "create_route_matcher",
        "early_response",
        "handle_webhook",
        "handle_webhook_async",
        "has_authorization",
        "is_allowed_redirect",
        "is_page_request",
        "normalize_path",
        "parse_authorization",
        "parse_cookie_header",
        "parse_publishable_key",
        "redirect_to_sign_in",
        "redirect_to_sign_up",
        "routed_path",
        "safe_redirect_url",
        "sign_in_redirect_url",
        "sign_up_redirect_url",
        "verify_webhook",
    ],
    "clerk_core.adapter": [
        "GUARD_RESULT_ERROR",
        "Guard",
        "Refusal",
        "answerless_state",
        "arun_guard",
        "before_app",
        "headers_after_app",
        "is_replaced",
        "merged_raw_headers",
        "protect_refusal",
        "remembered_from_environ",
        "run_guard",
    ],
    "clerk_core.doctor": [
        "BUNDLE_FORMAT",
        "EXIT_ERROR",
        "EXIT_OK",
        "EXIT_USAGE",
        "AppInspection",
        "AppLoadError",
        "CheckResult",
        "Status",
        "add_bundle_arguments",
        "build_bundle",
        "bundle_after_checks",
        "check_apis",
        "check_at_startup",
        "check_authorized_parties",
        "check_environment",
        "check_key_mode",
        "check_key_shapes",
        "check_satellite",
        "check_webhook_secret",
        "exit_code",
        "format_human",
        "format_json",
        "inspect_app",
        "load_app",
        "mask",
        "recorded_events",
        "run_checks",
        "settings_summary",
        "startup_results",
        "static_checks",
        "write_bundle",
    ],
    "clerk_core.events": [
        "LOGGER_NAME",
        "AuthEvent",
        "AuthEventHook",
        "BackendAPICall",
        "DecisionRecorder",
        "JWKSFetch",
        "KeySource",
        "read_events_file",
        "subscribe",
    ],
    "clerk_core.otel": ["ClerkInstrumentation", "instrument", "span_attributes"],
    "clerk_core.explain": [
        "CAUSES",
        "EXIT_SIGNED_IN",
        "EXIT_SIGNED_OUT",
        "EXIT_USAGE",
        "RequestFileError",
        "cause_of",
        "describe_token",
        "explain_request",
        "explain_token",
        "format_human",
        "parse_request",
        "redact",
    ],
    "clerk_core.migration": [
        "CLERK_PASSWORD_HASHERS",
        "COLUMNS",
        "DEVELOPMENT_LIMIT",
        "PRODUCTION_LIMIT",
        "CheckpointError",
        "ImportAborted",
        "ImportResult",
        "Outcome",
        "Pacer",
        "PasswordPlan",
        "Progress",
        "RateLimit",
        "Source",
        "SourceError",
        "SourceUser",
        "import_users",
        "limit_for_key",
        "plan_password",
        "read_export",
        "validate",
        "write_report",
    ],
    "clerk_core.ui": [
        "COMPONENTS",
        "ClerkUI",
        "bootstrap_script",
        "clerk_js_tags",
        "clerk_js_url",
        "is_signed_in",
        "json_data_block",
        "mount_point",
        "props_for_clerk",
        "sign_out_button",
    ],
    "clerk_core.csp": [
        "CSP_HEADER",
        "CSP_REPORT_ONLY_HEADER",
        "DEFAULT_DIRECTIVES",
        "ContentSecurityPolicy",
        "content_security_policy_headers",
        "generate_nonce",
        "is_html",
        "merge_content_security_policy",
        "normalise_content_security_policy",
        "policy_header_name",
        "with_content_security_policy",
    ],
    "clerk_starlette.templates": ["clerk_template_globals", "install_clerk_templates"],
    "clerk_flask.templates": ["clerk_template_globals"],
    "clerk_django.templatetags.clerk": ["register"],
    "clerk_core.testing.e2e": [
        "LOCAL_FRONTEND_API",
        "SIGN_IN_SCRIPT",
        "TESTING_TOKEN_PARAM",
        "ClerkE2E",
        "frontend_api_pattern",
        "setup_testing_token",
        "testing_token",
        "testing_token_async",
        "with_testing_token",
    ],
    "clerk_starlette": [
        "ClerkBackend",
        "ClerkMiddleware",
        "ClerkUser",
        "acurrent_user",
        "current_user",
        "get_auth",
        "get_request_state",
        "redirect_to_sign_in",
        "redirect_to_sign_up",
        "request_view",
    ],
    "clerk_starlette.doctor": ["inspect_app"],
    "clerk_starlette.fastapi": [
        "ClerkHTTPException",
        "Protect",
        "acurrent_user",
        "auth_required",
        "clerk_bearer",
        "clerk_exception_handler",
        "current_user",
        "get_auth",
        "get_request_state",
        "protect",
        "redirect_to_sign_in",
        "redirect_to_sign_up",
        "require_auth",
    ],
    "clerk_django": ["acurrent_user", "aget_auth", "current_user", "get_auth", "get_request_state"],
    "clerk_django.decorators": [
        "ClerkLoginRequiredMixin",
        "ClerkProtectMixin",
        "auth_required",
        "protect",
        "redirect_to_sign_in",
        "redirect_to_sign_up",
        "require_auth",
    ],
    "clerk_django.drf": [
        "ClerkAuthentication",
        "ClerkAuthenticationFailed",
        "ClerkDRFUser",
        "ClerkNotAuthenticated",
        "ClerkNotFound",
        "ClerkPermissionDenied",
        "Has",
        "HasFeature",
        "HasPermission",
        "HasPlan",
        "HasRole",
        "IsSignedIn",
    ],
    "clerk_flask.doctor": ["inspect_app", "installation_results"],
    "clerk_flask": [
        "Clerk",
        "Protect",
        "auth_required",
        "current_auth",
        "current_user",
        "get_auth",
        "get_request_state",
        "protect",
        "redirect_to_sign_in",
        "redirect_to_sign_up",
        "require_auth",
    ],
}

# alias -> canonical name, in the same module: the same object, so either spelling behaves alike.
ALIASES: dict[str, dict[str, str]] = {
    "clerk_starlette": {"acurrent_user": "current_user"},
    "clerk_starlette.fastapi": {
        "auth_required": "require_auth",
        "protect": "Protect",
        "acurrent_user": "current_user",
    },
    "clerk_django.decorators": {"auth_required": "require_auth"},
    "clerk_flask": {"auth_required": "require_auth"},
}

# One verb per concept: where each framework has it (the README's "Names across frameworks").
CONCEPTS: dict[str, dict[str, str]] = {
    "require_auth": {
        "clerk_starlette.fastapi": "require_auth",
        "clerk_django.decorators": "require_auth",
        "clerk_flask": "require_auth",
    },
    "protect": {
        "clerk_starlette.fastapi": "protect",
        "clerk_django.decorators": "protect",
        "clerk_flask": "protect",
    },
    "get_auth": {
        "clerk_starlette": "get_auth",
        "clerk_starlette.fastapi": "get_auth",
        "clerk_django": "get_auth",
        "clerk_flask": "get_auth",
    },
    "redirect_to_sign_in": {
        "clerk_starlette": "redirect_to_sign_in",
        "clerk_starlette.fastapi": "redirect_to_sign_in",
        "clerk_django.decorators": "redirect_to_sign_in",
        "clerk_flask": "redirect_to_sign_in",
    },
    "redirect_to_sign_up": {
        "clerk_starlette": "redirect_to_sign_up",
        "clerk_starlette.fastapi": "redirect_to_sign_up",
        "clerk_django.decorators": "redirect_to_sign_up",
        "clerk_flask": "redirect_to_sign_up",
    },
    "current_user": {
        "clerk_starlette.fastapi": "current_user",
        "clerk_django": "current_user",
        "clerk_flask": "current_user",
    },
    "acurrent_user": {
        "clerk_starlette": "acurrent_user",
        "clerk_starlette.fastapi": "acurrent_user",
        "clerk_django": "acurrent_user",
    },
    "get_request_state": {
        "clerk_starlette": "get_request_state",
        "clerk_starlette.fastapi": "get_request_state",
        "clerk_django": "get_request_state",
        "clerk_flask": "get_request_state",
    },
}

FRAMEWORK = {"clerk_starlette": "starlette", "clerk_django": "django", "clerk_flask": "flask"}


def load(name: str) -> Any:
    framework = FRAMEWORK.get(name.split(".")[0])
    if framework is not None:
        pytest.importorskip(framework)
    if name == "clerk_starlette.fastapi":
        pytest.importorskip("fastapi")
    if name.endswith(".templates"):
        pytest.importorskip("jinja2")
    if name == "clerk_django.drf":
        pytest.importorskip("rest_framework")
    if name == "clerk_core.otel":
        pytest.importorskip("opentelemetry")
    return importlib.import_module(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_all_is_the_expected_list(name: str) -> None:
    module = load(name)
    assert sorted(module.__all__) == sorted(EXPECTED[name])
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_name_in_all_exists(name: str) -> None:
    module = load(name)
    missing = [attr for attr in module.__all__ if not hasattr(module, attr)]
    assert not missing


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_aliases_are_the_canonical_objects(name: str) -> None:
    module = load(name)
    for alias, canonical in ALIASES[name].items():
        assert alias in module.__all__
        assert canonical in module.__all__
        assert getattr(module, alias) is getattr(module, canonical), alias


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_one_verb_per_concept(concept: str) -> None:
    for name, attr in CONCEPTS[concept].items():
        module = load(name)
        assert attr == concept
        assert attr in module.__all__, (name, attr)
        assert callable(getattr(module, attr))


def test_the_async_form_is_a_coroutine_function() -> None:
    """The ``a`` prefix names the awaitable form, in every adapter that has one."""
    import inspect

    for name in CONCEPTS["acurrent_user"]:
        module = load(name)
        assert inspect.iscoroutinefunction(module.acurrent_user), name
    django = load("clerk_django")
    assert inspect.iscoroutinefunction(django.aget_auth)
