"""Write actions of the reports app: atomic, audited, `by=` the acting user."""

from objectivity.core.actions import action
from objectivity.core.auditing import Action, record
from objectivity.reports.models import ReportText
from objectivity.reports.report_texts import SECTION_KEYS, saved_texts


@action
def save_report_texts(*, by, region, year: int, texts: dict[str, str]) -> list[ReportText]:
    """The analyst's wording of the report's text sections for a year. A section is stored when it differs from what
    the report says now (the saved wording, else the shipped one); each stored change is recorded."""
    current = saved_texts(region, year)
    changed = []
    for key in SECTION_KEYS:
        text = texts.get(key, current[key]).replace("\r\n", "\n")  # a browser's textarea sends CR LF
        if text == current[key]:
            continue
        row = ReportText.objects.filter(region=region, year=year, section=key).first()
        created = row is None
        row = row or ReportText(region=region, year=year, section=key)
        row.text, row.updated_by = text, by
        row.save()
        before = None if created else {"text": current[key]}
        record(by=by, action=Action.CREATE if created else Action.UPDATE, obj=row, before=before, after={"text": text})
        changed.append(row)
    return changed
