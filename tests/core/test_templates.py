"""Templates and their filters: table cells escaped with Russian decimal commas, the filter bar, numbers and charts."""

import re

from django import forms
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from objectivity.core import jinja
from objectivity.core.tables import filter_fields


def test_cells_are_escaped_linked_and_fractions_have_a_decimal_comma():
    row = [
        {"value": "<b>СОШ</b>", "link": "/s/1/", "numeric": False},
        {"value": 56.3, "link": None, "numeric": True},
        {"value": None, "link": None, "numeric": False},
        {"value": 12, "link": None, "numeric": True},
    ]
    with translation.override("ru"):
        html = jinja.render("core/table_rows.html", {"rows": [row]})
    assert '<td><a href="/s/1/">&lt;b&gt;СОШ&lt;/b&gt;</a></td>' in html
    assert '<td class="num">56,3</td>' in html and "<td></td>" in html and '<td class="num">12</td>' in html


def test_a_link_with_quotes_and_a_formula_like_cell_stay_text():
    row = [
        {"value": '=HYPERLINK("x")', "link": '/s/"onmouseover="x', "numeric": False},
        {"value": "<script>alert('1')</script>", "link": "", "numeric": False},
    ]
    html = jinja.render("core/table_rows.html", {"rows": [row]})
    assert '<a href="/s/&quot;onmouseover=&quot;x">=HYPERLINK(&quot;x&quot;)</a>' in html
    assert "<td>&lt;script&gt;alert(&#x27;1&#x27;)&lt;/script&gt;</td>" in html and "<script>" not in html


class _Filters(forms.Form):
    kind = forms.ChoiceField(
        label="Kind <b>", choices=[("", "all"), ("a", "A & B"), ('"x"', "<i>X</i>")], required=False
    )
    who = forms.CharField(label="Who", required=False, widget=forms.TextInput(attrs={"placeholder": 'a "b"'}))
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _filter_bar(data) -> str:
    html = jinja.render("core/table_filters.html", {"filters": filter_fields(_Filters(data))})
    return re.sub(r">\s+<", "><", html.strip())  # the layout's line breaks between tags do not show


def test_the_filter_bar_marks_the_chosen_option_and_escapes_labels_values_and_attributes():
    html = _filter_bar({"kind": '"x"', "who": '"><script>', "since": "2026-01-02"})
    assert '<label class="field"><span>Kind &lt;b&gt;</span><select name="kind" id="id_kind">' in html
    assert '<option value="">all</option><option value="a">A &amp; B</option>' in html
    assert '<option value="&quot;x&quot;" selected>&lt;i&gt;X&lt;/i&gt;</option></select>' in html
    assert (
        '<input type="text" name="who" id="id_who" value="&quot;&gt;&lt;script&gt;" placeholder="a &quot;b&quot;">'
        in html
    )
    assert '<input type="date" name="since" id="id_since" value="2026-01-02">' in html


def test_an_unbound_filter_bar_chooses_nothing_and_shows_no_values():
    html = _filter_bar(None)
    assert " selected" not in html and "value=" not in html.split("</select>")[1]
    assert '<input type="text" name="who" id="id_who" placeholder="a &quot;b&quot;">' in html
    assert filter_fields(None) == []


def test_the_jinja2_environment_has_translations_url_static_and_the_russian_filters():
    from datetime import date

    from django.template import engines

    env = engines["jinja2"].env  # type: ignore[attr-defined]
    source = (
        '{{ _("Apply") }}|{{ ngettext("Found %(n)s row", "Found %(n)s rows", 3, n=3) }}|{{ found_count(21) }}|'
        '{{ url("school-detail", 7) }}|{{ static("css/app.css") }}|{{ 12.25|fixed(1) }}|{{ day|ru_date }}|'
        '{{ "ma"|subject_name }}|{{ 0.5|cell_text }}'
    )
    with translation.override("ru"):
        text = env.from_string(source).render(day=date(2026, 11, 24))
    assert text.split("|") == [
        "Применить",
        "Найдено 3 записи",
        "Найдена 21 запись",
        "/orgs/schools/7/",
        "/static/css/app.css",
        "12,3",
        "24 ноября 2026\u00a0г.",  # a no-break space keeps «г.» with its year
        "математика",
        "0,5",
    ]


def test_jinja2_escapes_what_it_prints_as_django_does():
    from django.template import engines
    from django.utils.html import escape

    hostile = "<script>alert('x')</script> \"& =1+1"
    html = jinja.render("core/table_rows.html", {"rows": [[{"value": hostile, "link": hostile, "numeric": False}]]})
    assert engines["jinja2"].env.autoescape is True  # type: ignore[attr-defined]
    assert f'<a href="{escape(hostile)}">{escape(hostile)}</a>' in html


@given(
    value=st.one_of(
        # floatformat gives up on magnitudes below about 1e-100 (it returns the repr); `fixed` writes 0,0
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).filter(
            lambda v: v == 0 or abs(v) > 1e-12
        ),
        st.integers(-999, 999),
    ),
    digits=st.sampled_from([1, 2, 4]),
)
def test_fixed_writes_numbers_exactly_as_floatformat_does_in_russian(value, digits):
    from django.template.defaultfilters import floatformat

    from objectivity.core.templatetags.ru import fixed

    with translation.override("ru"):
        assert fixed(value, digits) == floatformat(value, digits)


def test_chart_json_keeps_cyrillic_and_never_closes_its_script_element():
    import json
    import re

    from objectivity.core.templatetags.charts import chart_json

    spec = {"title": "МБОУ «СОШ № 1» </script><script>alert(1)</script> & <!--", "values": [{"share": 12.5}]}
    html = chart_json(spec, "chart-1")
    body = re.fullmatch(r'<script id="chart-1" type="application/json">(.*)</script>', html, re.S).group(1)
    assert "МБОУ «СОШ № 1»" in body and "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == spec
