"""Table cells built in plain Python read like the templates: escaped text, Russian decimal commas."""

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from objectivity.core.fasthtml import table_rows


def test_cells_are_escaped_linked_and_fractions_have_a_decimal_comma():
    row = [
        {"value": "<b>СОШ</b>", "link": "/s/1/", "numeric": False},
        {"value": 56.3, "link": None, "numeric": True},
        {"value": None, "link": None, "numeric": False},
        {"value": 12, "link": None, "numeric": True},
    ]
    with translation.override("ru"):
        html = table_rows([row])
    assert '<td><a href="/s/1/">&lt;b&gt;СОШ&lt;/b&gt;</a></td>' in html
    assert '<td class="num">56,3</td>' in html and "<td></td>" in html and '<td class="num">12</td>' in html


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
