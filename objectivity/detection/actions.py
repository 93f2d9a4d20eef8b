"""Write actions of detection: atomic, audited, `by=` the acting user."""

from django.utils.translation import gettext as _

from objectivity.core.actions import action
from objectivity.core.auditing import Action, record
from objectivity.detection.models import DetectionSettings
from objectivity.detection.thresholds import current_settings


@action
def save_thresholds(*, by, region, year: int, values: dict) -> DetectionSettings:
    """A new version of the year's thresholds; runs keep the version they used."""
    current = current_settings(region, year)
    saved = DetectionSettings.objects.create(
        region=region, year=year, version=current.version + 1, values=dict(values), created_by=by
    )
    record(by=by, action=Action.UPDATE, obj=saved, before=current.values, after=saved.values)
    return saved


@action
def stored_settings(*, by, region, year: int) -> DetectionSettings:
    """The version a run uses: the newest stored one, else the published defaults stored now as version 1."""
    current = current_settings(region, year)
    if current.pk is None:
        current = DetectionSettings.objects.create(region=region, year=year, version=1, values=current.values)
        record(by=by, action=Action.CREATE, obj=current, after=current.values, note=_("the published defaults"))
    return current
