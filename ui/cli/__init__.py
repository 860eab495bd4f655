"""The `iitkb` command: `app` with every command family registered on it."""

from ui.cli import answers, documents, maintenance, measures, rules  # noqa: F401  (each registers its commands)
from ui.cli.base import app

__all__ = ["app"]
