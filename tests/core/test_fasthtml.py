"""Table cells built in plain Python read like the templates: escaped text, Russian decimal commas."""

from django.utils import translation

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


def test_subject_codes_read_as_words_in_reports():
    from objectivity.core.templatetags.ru import subject_name

    assert subject_name("ma") == "математика" and subject_name("ru") == "русский язык" and subject_name("xx") == "xx"
