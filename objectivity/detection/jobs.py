"""Background job of detection: one run over the stored results of a region and year."""

from objectivity.core.jobs import handler
from objectivity.detection import runs
from objectivity.detection.models import DetectionRun

DETECTION_RUN = "detection.run"


@handler(DETECTION_RUN, result_template="detection/run_result.html")
def run_detection(job, progress) -> dict:
    run = DetectionRun.objects.get(pk=job.params["run_id"])
    summary = runs.execute(run, progress)
    progress(100, "")
    return {"run_id": str(run.pk), **summary}
