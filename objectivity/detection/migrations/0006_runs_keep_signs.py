"""Completed runs keep their counts of schools with signs per municipality and their works' funnel points
(objectivity.detection.signs), which the dashboard and the analytic report read; runs saved before count them here
from their findings."""

from django.db import migrations

from objectivity.detection.signs import keep_signs


def count_signs(apps, schema_editor):
    runs, findings = apps.get_model("detection", "DetectionRun"), apps.get_model("detection", "Finding")
    figures = apps.get_model("detection", "EvidenceFigures")
    for run in runs.objects.filter(status="done").iterator():
        keep_signs(run, findings.objects, figures.objects)


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0005_verbose_names"),
    ]

    operations = [migrations.RunPython(count_signs, migrations.RunPython.noop)]
