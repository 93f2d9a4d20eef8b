"""What the detection app adds to other apps' pages (registered in DetectionConfig.ready())."""

from django.urls import reverse
from django.utils.translation import gettext as _

from objectivity.authz.policy import can
from objectivity.authz.roles import RUN_DETECTION, VIEW_FINDINGS
from objectivity.core.cycle import StepState
from objectivity.core.typography import ru_date
from objectivity.detection.models import DetectionRun, RunStatus


def detection_step(user, year: int) -> StepState | None:
    """The annual cycle's step «signs are computed»: the latest completed run of the year."""
    if not can(user, VIEW_FINDINGS):
        return None
    runs = DetectionRun.objects.visible_to(user, VIEW_FINDINGS).filter(year=year, status=RunStatus.DONE)
    latest = runs.order_by("-created_at").first()
    if latest is None:
        return StepState(
            False, _("no completed run of the year"), reverse("run-start") if can(user, RUN_DETECTION) else ""
        )
    return StepState(
        True, _("run of %(date)s") % {"date": ru_date(latest.created_at)}, reverse("run-detail", args=[latest.pk])
    )
