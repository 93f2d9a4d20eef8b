import ipaddress

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


def client_ip(request) -> str | None:
    """The client's address, for the audit log and the login lock-out (AXES_CLIENT_IP_CALLABLE); behind a
    reverse proxy, from the header it sets (CLIENT_IP_HEADER). Anything but an address is no address."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # X-Forwarded-For may list several hops; the proxy appends the client it saw last.
        address = request.META[header].split(",")[-1].strip()
    else:
        address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class RequestIpMiddleware:
    """Remember the client's address on the user, so audit rows written by actions carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user._request_ip = client_ip(request)
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """A user with a temporary password may only change it (or log out) until they do."""

    ALLOWED = ("password-change", "logout", "health")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("password-change")
        return self.get_response(request)
