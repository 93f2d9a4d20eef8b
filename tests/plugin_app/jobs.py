from objectivity.core.jobs import handler

COUNT_NOTES = "plugin_app.count_notes"


@handler(COUNT_NOTES, result_template="plugin_app/job_result.html")
def count_notes(job, progress):
    from tests.plugin_app.models import Note

    progress(100, "counted")
    return {"notes": Note.objects.count()}
