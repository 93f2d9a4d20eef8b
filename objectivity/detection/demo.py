"""The demo loader's step for detection: every evidence layer and the published ФИОКО method over each demo year, so
the list, the dashboard and the start pages have the years before to compare with."""

from django.utils.translation import gettext

from objectivity.core.demo import DemoContext
from objectivity.detection.runs import create_run, execute, works_of_year


def load_detection(context: DemoContext) -> None:
    for year in context.shared["years"]:
        _detect(context, year)


def _detect(context: DemoContext, year: int) -> None:
    run = create_run(
        region=context.region, year=year, assessments=list(works_of_year(context.region, year)), by=context.by
    )
    summary = execute(run, lambda percent, message: None)
    context.say(
        gettext("Signs by the published ФИОКО method for %(year)d: level of objectivity %(index)s.")
        % {"year": year, "index": str(summary.get("index")).replace(".", ",")}
    )
