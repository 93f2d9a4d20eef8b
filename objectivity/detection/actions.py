"""Write actions of detection: atomic, audited, `by=` the acting user."""

from objectivity.audit.log import Action, record
from objectivity.core.actions import action
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
