from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from objectivity.authz.policy import can, decide, require
from tests.plugin_app.apps import VIEW_NOTES
from tests.plugin_app.models import Note


@require_safe
@login_required
def note_list(request):
    require(request.user, VIEW_NOTES)
    notes = Note.objects.visible_to(request.user, VIEW_NOTES).select_related("school").order_by("pk")
    return render(request, "plugin_app/note_list.html", {"notes": notes})


def region_panel(request, _obj=None) -> dict | None:
    if not can(request.user, VIEW_NOTES):
        return None
    return {"count": Note.objects.visible_to(request.user, VIEW_NOTES).count()}


def notes_panel(request, school) -> dict | None:
    if not decide(request.user, VIEW_NOTES, school):
        return None
    return {"notes": Note.objects.visible_to(request.user, VIEW_NOTES).filter(school=school)}
