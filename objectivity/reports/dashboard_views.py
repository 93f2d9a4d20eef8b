"""The regional dashboard and a municipality's view: the same page for two scopes."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from objectivity.authz.policy import can, require
from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core.params import query_id
from objectivity.orgs.models import Municipality
from objectivity.reports import charts, dashboard, listing
from objectivity.results import charts as result_charts


@require_safe
@login_required
def region_dashboard(request):
    require(request.user, VIEW_FINDINGS)
    return _page(request, dashboard.Scope(request.user))


@require_safe
@login_required
def municipality_dashboard(request, pk):
    require(request.user, VIEW_FINDINGS)
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user, VIEW_FINDINGS), pk=pk)
    return _page(request, dashboard.Scope(request.user, municipality))


def _page(request, scope: dashboard.Scope):
    years = listing.list_years(request.user)
    year = listing.chosen_year(request, years)
    context = {
        "scope": scope,
        "years": years,
        "year": year,
        "title": _title(scope),
        "can_open_report": _regional(request),
    }
    if year is not None:
        context.update(_figures(request, scope, years, year))  # its tables' XLSX: core.table_export
    return render(request, "reports/dashboard.html", context)


def _regional(request) -> bool:
    """The analytic report is a regional document: its link shows to those who hold signs at regional level."""
    return any(
        m.level == "region" and can(request.user, VIEW_FINDINGS, m.region) for m in request.user.active_memberships()
    )


def _title(scope: dashboard.Scope) -> str:
    return scope.municipality.name if scope.municipality is not None else _("Regional dashboard")


def _figures(request, scope: dashboard.Scope, years: list[int], year: int) -> dict:
    works = dashboard.year_works(scope, year)
    work = next((w for w in works if w.pk == query_id(request, "work")), works[0] if works else None)
    index = dashboard.index_by_year(scope, years)
    municipalities = dashboard.by_municipality(scope, year)
    funnel = dashboard.funnel(scope, year, work) if work else None
    scores = dashboard.scores(scope, year, work) if work else None
    return {
        "works": works,
        "work": work,
        "index": index,
        "municipalities": municipalities,
        "charts": {
            "index": charts.index_chart(index),
            "ours": charts.municipality_chart(
                municipalities, "ours_share", _("Schools with signs of the combination of layers, %")
            ),
            "fioco": charts.municipality_chart(municipalities, "fioco_share", _("Schools with ФИОКО markers, %")),
            "funnel": charts.funnel_chart(funnel) if funnel else None,
            "scores": result_charts.scores_chart(scores["values"], scores["cuts"]) if scores else None,
        },
    }
