"""The web app and JSON API (`trialscout serve`): see `app.create_app`."""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from trialscout.web.app import create_app

        return create_app
    raise AttributeError(name)
