from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from objectivity.core.cycle import cycle_for, cycle_year
from objectivity.core.panels import render_panels
from objectivity.home.startpages import SUMMARIES, start_page_kind

# Start pages whose holders work through the annual cycle (a school's steps come with plans of measures).
CYCLE_KINDS = {"region", "municipality"}


@require_safe
@login_required
def home(request):
    kind = start_page_kind(request.user)
    year = cycle_year(timezone.localdate())
    context = {
        "kind": kind,
        **SUMMARIES[kind](request.user),
        "attention": render_panels(f"attention:{kind}", request),
        "panels": render_panels(f"start:{kind}", request),
        "cycle_year": year,
        "cycle": cycle_for(request.user, year) if kind in CYCLE_KINDS else [],
    }
    return render(request, f"home/start_{kind}.html", context)
