"""What the results app adds to pages of other apps (registered in ResultsConfig.ready())."""

from objectivity.authz.policy import can
from objectivity.authz.roles import IMPORT_RESULTS, VIEW_RESULTS
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
