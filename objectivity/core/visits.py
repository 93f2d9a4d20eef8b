"""The user's previous visit, for «what is new since»: the time of the login before this one, kept in the session
when the user logs in (reading a page writes nothing, so a page cannot record its own visits)."""

from datetime import datetime

from django.utils.dateparse import parse_datetime

PREVIOUS_LOGIN = "previous_login"


def remember_previous_login(request, last_login: datetime | None) -> None:
    """Called by the login view after the user is logged in, with the last_login the user had before."""
    request.session[PREVIOUS_LOGIN] = last_login.isoformat() if last_login else ""


def previous_login(request) -> datetime | None:
    """When the user logged in before this session; None on a first login or a session made otherwise."""
    value = request.session.get(PREVIOUS_LOGIN) if hasattr(request, "session") else None
    return parse_datetime(value) if value else None
