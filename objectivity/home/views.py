from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from objectivity.home.startpages import SUMMARIES, start_page_kind


@require_safe
@login_required
def home(request):
    kind = start_page_kind(request.user)
    context = {"kind": kind, **SUMMARIES[kind](request.user)}
    return render(request, f"core/start_{kind}.html", context)
