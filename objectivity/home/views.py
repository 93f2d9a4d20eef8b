from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from objectivity.core.panels import render_panels
from objectivity.home.startpages import SUMMARIES, start_page_kind


@require_safe
@login_required
def home(request):
    kind = start_page_kind(request.user)
    context = {"kind": kind, **SUMMARIES[kind](request.user), "panels": render_panels(f"start:{kind}", request)}
    return render(request, f"home/start_{kind}.html", context)
