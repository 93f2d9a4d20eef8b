from objectivity.core.actions import action
from objectivity.core.auditing import Action, record, snapshot
from tests.plugin_app.models import Note


@action
def add_note(*, by, school, text: str, author_name: str = "") -> Note:
    note = Note.objects.create(school=school, text=text, author_name=author_name)
    record(by=by, action=Action.CREATE, obj=note, after=snapshot(note))
    return note
