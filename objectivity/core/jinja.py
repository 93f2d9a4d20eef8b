"""Jinja2 for the parts of pages that repeat many times per request: a table's rows and its filter bar (ADR 0013).

Django's engine rendered the school list's 50 rows and filter bar at 3.5-4 × Jinja2's cost (4.1-4.4 ms against
1.1-1.2 ms a page). The pages themselves stay Django templates; these parts are rendered here and put into them. The
environment offers what the Django templates have: translations, `url`, `static`, the Russian number and date
filters of `templatetags/ru.py` and the table cell filter.
"""

from importlib import import_module

from django.template import engines
from django.template.backends.django import get_installed_libraries
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2 import Environment

from objectivity.core.templatetags import ru

# markupsafe writes quotes as &#34; and &#39;, Django as &quot; and &#x27;: the same characters, but a page reads
# as one engine wrote it, so tests and diffs of pages see no difference. Only entities are swapped for entities.
_QUOTE_ENTITIES = (("&#34;", "&quot;"), ("&#39;", "&#x27;"))


def environment(**options) -> Environment:
    """The environment of the "jinja2" template backend (settings.TEMPLATES)."""
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)  # type: ignore[attr-defined]
    env.globals.update(
        url=url,
        static=static,
        found_count=ru.found_count,
        rows_count=ru.rows_count,
        schools_count=ru.schools_count,
        pupils_count=ru.pupils_count,
        problems_count=ru.problems_count,
    )
    env.filters.update(_project_filters())  # ru_date, ru_datetime, fixed, percent_of; subject_name of results, ...
    env.filters["cell_text"] = cell_text
    return env


def _project_filters() -> dict:
    """The filters of every template library of the project's apps: the same names as in Django templates, and an
    app's filters reach Jinja2 without the kernel naming the app."""
    found: dict = {}
    for module_path in get_installed_libraries().values():
        if module_path.startswith("objectivity."):
            found.update(import_module(module_path).register.filters)
    return found


def cell_text(value) -> str:
    """A table cell's text: empty for None, fractional numbers in Russian notation (decimal comma), anything else as
    str() (dates and decimals arrive already written by their columns)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number_format(value)
    return str(value)


def url(name: str, *args, **kwargs) -> str:
    """{{ url("school-detail", school.pk) }}, as {% url %} in Django templates."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def render(template_name: str, context: dict) -> SafeString:
    """A Jinja2 template's HTML, to be put into a Django template's page as it is."""
    html = engines["jinja2"].get_template(template_name).render(context)
    for jinja_entity, django_entity in _QUOTE_ENTITIES:
        html = html.replace(jinja_entity, django_entity)
    return mark_safe(html)  # noqa: S308  (autoescape is on: Jinja2 escaped every value)
