from objectivity.orgs.models import School
from tests.plugin_app.actions import add_note


def load_notes(context) -> None:
    school = School.objects.filter(municipality__region=context.region).order_by("login").first()
    add_note(by=context.by, school=school, text="Демонстрационная заметка")
    context.say("Notes: 1")
