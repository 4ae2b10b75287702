"""The BeltGraph web app (Flask application factory)."""

from __future__ import annotations


def create_app(test_config=None, store=None, config=None):
    from .app import create_app as _create

    return _create(test_config, store=store, config=config)
