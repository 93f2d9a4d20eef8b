from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class UploadSizeLimitMiddleware:
    """Refuse a request body over MAX_UPLOAD_MB before Django reads it into a temporary file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if length.isdigit() and int(length) > limit + 1024 * 1024:  # room for the form's other fields
            message = _("The file is too large: at most %(max)d MB are accepted") % {"max": settings.MAX_UPLOAD_MB}
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
