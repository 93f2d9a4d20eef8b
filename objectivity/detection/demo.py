"""The demo loader's step for detection: the published ФИОКО method over the last demo year."""

from django.utils.translation import gettext

from objectivity.core.demo import DemoContext
from objectivity.detection.runs import create_run, execute, works_of_year


def load_detection(context: DemoContext) -> None:
    year = context.shared["years"][-1]
    run = create_run(
        region=context.region, year=year, assessments=list(works_of_year(context.region, year)), by=context.by
    )
    summary = execute(run, lambda percent, message: None)
    context.say(
        gettext("Signs by the published ФИОКО method for %(year)d: level of objectivity %(index)s.")
        % {"year": year, "index": str(summary.get("index")).replace(".", ",")}
    )
