"""The web app: chat with cited sources, feasibility questionnaires, and an admin Documents tab.

``app`` lays out the page, ``chat``, ``questionnaire`` and ``documents`` hold one tab each,
``i18n`` the interface text, ``render`` the HTML, ``context`` the roles and limits every handler
shares, ``sessions`` the login and session rules, and ``server`` the guards, the source route and
``serve``.
"""

from ui.web.app import build_app
from ui.web.render import api_answer
from ui.web.server import ServeError, make_server, serve

__all__ = ["ServeError", "api_answer", "build_app", "make_server", "serve"]
