"""The FastAPI example app: ``python -m example_apps.fastapi_app`` (or ``make demo``)."""

from .app import create_app

__all__ = ["create_app"]
