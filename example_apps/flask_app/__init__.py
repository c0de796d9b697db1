"""The Flask example app: ``python -m example_apps.flask_app`` (or ``make demo-flask``)."""

from .app import create_app

__all__ = ["create_app"]
