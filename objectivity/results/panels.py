"""What the results app adds to pages of other apps (registered in ResultsConfig.ready())."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.authz.policy import can
from objectivity.authz.roles import IMPORT_RESULTS, VIEW_RESULTS
from objectivity.core.cycle import StepState
from objectivity.results.models import ImportStatus, ResultImport


def region_start_panel(request, _obj=None) -> dict | None:
    """The region's start page: how many works have results in use, and the latest imports."""
    user = request.user
    if not can(user, VIEW_RESULTS):
        return None
    in_use = ResultImport.objects.visible_to(user, VIEW_RESULTS).filter(status=ImportStatus.ACTIVE)
    return {
        "works_with_results": in_use.values("assessment").distinct().count(),
        "recent_imports": in_use.select_related("assessment")[:6],
        "can_import_results": can(user, IMPORT_RESULTS),
    }


def results_step(user, year: int) -> StepState | None:
    """The annual cycle's step «results are imported»: the works of the year with results in use."""
    if not can(user, VIEW_RESULTS):
        return None
    in_use = ResultImport.objects.visible_to(user, VIEW_RESULTS).filter(
        status=ImportStatus.ACTIVE, assessment__year=year
    )
    works = in_use.values("assessment").distinct().count()
    if not works:
        return StepState(
            False, _("no results of the year yet"), reverse("results-import") if can(user, IMPORT_RESULTS) else ""
        )
    detail = ngettext("%(n)d work with results", "%(n)d works with results", works) % {"n": works}
    return StepState(True, detail, reverse("results-home") + f"?year={year}")
