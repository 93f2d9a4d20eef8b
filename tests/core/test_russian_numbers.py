"""Numbers as Russian typography writes them, in Django templates, in the Jinja2 table templates and in what the
demo loader and the commands print: «10 235» (four digits stay whole), «12,5 %», thresholds «0,667»."""

from types import SimpleNamespace

from django.template import engines

from objectivity.core.templatetags import ru
from objectivity.core.typography import NBSP
from objectivity.results import demo


def _django(text: str, **context) -> str:
    return engines["django"].from_string("{% load ru %}" + text).render(context)


def test_the_django_filters_group_and_round():
    assert _django("{{ n|num }}", n=10235) == f"10{NBSP}235"
    assert _django("{{ n|num }}", n=1000) == "1000"
    assert _django("{{ n|num:1 }}", n=12.345) == "12,3"
    assert _django("{{ n|pct }}", n=12.5) == f"12,5{NBSP}%"
    assert _django("{{ n|threshold }}", n=2 / 3) == "0,667"


def test_the_jinja2_templates_have_the_same_filters():
    env = engines["jinja2"].env
    for name in ("num", "pct", "threshold", "ru_date", "ru_datetime"):
        assert env.filters[name] is getattr(ru, name)
    assert env.from_string("{{ n|num }}").render(n=308701) == f"308{NBSP}701"


def test_counts_in_words_are_grouped():
    assert ru.found_count(10235) == f"Найдено 10{NBSP}235 записей"
    assert ru.schools_count(1000) == "1000 школ"


def test_the_demo_loaders_summary_groups_the_participants(monkeypatch):
    outcome = SimpleNamespace(status="imported", summary={"present": 10290})
    monkeypatch.setattr(demo, "demo_years", lambda: [2026])
    monkeypatch.setattr(demo, "load_demo_results", lambda *args, **kwargs: [outcome] * 30)
    said: list[str] = []
    demo.load_results(
        SimpleNamespace(region=None, by=None, seed=1, say=said.append, progress=lambda *a: None, shared={})
    )
    assert said[-1] == f"Результаты загружены: файлов — 30, присутствовавших участников — 308{NBSP}700."
