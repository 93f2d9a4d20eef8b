"""Reading the shipped templates: the files load, a key finds its template, a malformed file says what is wrong."""

import pytest

from objectivity.plans.templates import SEEDS_DIR, TemplateError, load_template_file, load_templates, template

GOOD = """\
key: t
title: План
level: school
source: test
sections:
  - number: "1."
    title: Раздел
    measures:
      - {number: "1", title: Мероприятие, deadline: октябрь}
"""


def test_a_key_finds_its_template_and_measures_know_their_section():
    region = template("region-2021-22")
    assert region.approved_by.endswith("№ 1157")
    assert [s.number for s in region.sections] == ["I.", "II.", "III.", "IV.", "V."]
    assert region.measures[2].section == "II." and region.measures[2].deadline == "Весь период"


def test_an_unknown_key_is_a_clear_error():
    with pytest.raises(TemplateError, match="no shipped plan template has the key 'nope'"):
        template("nope")


def test_the_shipped_files_are_the_only_templates():
    assert sorted(p.name for p in SEEDS_DIR.glob("*.yaml")) == [
        "municipality.yaml",
        "recommended.yaml",
        "region.yaml",
        "school.yaml",
    ]
    assert len(load_templates()) == 4


def test_a_good_file_loads(tmp_path):
    (tmp_path / "t.yaml").write_text(GOOD, encoding="utf-8")
    loaded = load_templates(tmp_path)
    assert [m.title for m in loaded[0].measures] == ["Мероприятие"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("level: school", "level: county"), "t.yaml: level must be one of school, municipality, region, recommended"),
        (("title: Мероприятие, ", ""), r"t.yaml: section 1, measure 1: title is required"),
        (("deadline: октябрь", "deadline: [октябрь]"), "t.yaml: section 1, measure 1: deadline must be text"),
        (("deadline: октябрь", "when: октябрь"), "t.yaml: section 1, measure 1: unknown field.s. when"),
        (("source: test\n", "source: test\nschool_year: двадцать\n"), "t.yaml: school_year must be the year"),
        (("    measures:\n      - {number", "    measures: []\n    x:\n      - {number"), "unknown field"),
        (("key: t", "key: [t"), "t.yaml: not valid YAML"),
        ((GOOD, "- a list"), "t.yaml: expected a mapping, found list"),
    ],
)
def test_a_malformed_file_is_a_clear_error(tmp_path, change, message):
    path = tmp_path / "t.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_template_file(path)


def test_two_templates_with_one_key_are_an_error(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    with pytest.raises(TemplateError, match="two templates have the key 't'"):
        load_templates(tmp_path)
