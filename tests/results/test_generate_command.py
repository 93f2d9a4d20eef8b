"""`objectivity generate` writes a synthetic region and refuses bad arguments with a clear message."""

import io

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from objectivity.analysis import export_format
from objectivity.analysis.synth import KINDS
from objectivity.orgs.registry import COLUMN_ALIASES, map_columns


def test_generate_writes_the_region(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate",
        "--out",
        str(tmp_path),
        "--seed",
        "5",
        "--schools",
        "60",
        "--years",
        "2024,2025",
        "--grades",
        "4,5",
        "--inject",
        "push=0.05",
        "copy=0.05",
        "--inject",
        "exclude=0.05",
        stdout=out,
        stderr=err,
    )
    for name in ("schools.xlsx", "truth.csv", "reference.yaml"):
        assert (tmp_path / name).is_file(), name
    workbooks = sorted(tmp_path.glob("20*/*.xlsx"))
    assert len(workbooks) == 2 * 2 * 2
    name = export_format.parse_test_name(workbooks[0].name)
    assert workbooks[0].parent.name == str(name.year) and name.grade in (4, 5) and name.subject in ("ru", "ma")
    truth = pl.read_csv(tmp_path / "truth.csv")
    assert dict(truth.group_by("kind").len().iter_rows()) == {"push": 3, "copy": 3, "exclude": 3}
    assert "100%" in err.getvalue() and "push: 3" in out.getvalue()


def test_the_realistic_region_writes_codes_by_class(tmp_path):
    call_command(
        "generate", "--out", str(tmp_path), "--schools", "80", "--years", "2021", "--grades", "6",
        "--subjects", "ma", "--realism", "real-2021", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    frame = pl.read_excel(next(tmp_path.glob("2021/*.xlsx")), infer_schema_length=0)
    tasks = frame.select(c for c in frame.columns if c.startswith("балл за"))
    codes = tasks.select(pl.all().str.strip_chars().is_in(["не пройд.", "X", "Х"]).sum()).sum_horizontal().item()
    assert codes > 0.02 * tasks.height * tasks.width
    with pytest.raises(CommandError):
        call_command("generate", "--out", str(tmp_path), "--realism", "dreamy", stdout=io.StringIO())


def test_the_registry_import_understands_schools_xlsx(tmp_path):
    call_command(
        "generate",
        "--out",
        str(tmp_path),
        "--schools",
        "20",
        "--years",
        "2024",
        "--grades",
        "4",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    header = pl.read_excel(tmp_path / "schools.xlsx", engine="calamine", infer_schema_length=0).columns
    fields, grades = map_columns(header)
    assert set(fields) == set(COLUMN_ALIASES) - {"email"}
    assert sorted(grades) == list(range(4, 12))


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--inject", "foo=0.1"], ", ".join(KINDS)),
        (["--inject", "push=0.7"], "0.5"),
        (["--inject", "push"], "push"),
        (["--years", "20x4"], "20x4"),
        (["--grades", "4,9"], "4,9"),
        (["--subjects", "ru,xx"], "ru,xx"),
        (["--schools", "0"], "20000"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("generate", "--out", str(tmp_path), *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert not any(tmp_path.iterdir())
