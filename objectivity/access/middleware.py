from django.shortcuts import redirect
from django.urls import reverse


class RequestIpMiddleware:
    """Remember the client's address on the user, so audit rows written by actions carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from objectivity.access.throttle import client_ip

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
