"""Template filters for the catalogue of assessments."""

from django import template

from objectivity.analysis.export_format import SUBJECT_BY_CODE

register = template.Library()


@register.filter
def subject_name(code: str) -> str:
    """«ma» → «математика»: a subject code as words in a sentence."""
    subject = SUBJECT_BY_CODE.get(code)
    return subject.name.lower() if subject else code
