from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from objectivity.access.people import note_personal_ids
from objectivity.audit.models import Action, AuditEvent
from objectivity.audit.words import AuditWording, type_name
from objectivity.authz.policy import decide
from objectivity.authz.roles import VIEW_AUDIT, VIEW_PEOPLE
from objectivity.core.auditing import personal_keys
from objectivity.core.tables import Column, TableView
from objectivity.orgs.models import Municipality


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_l("Action"), choices=[("", _l("all")), *Action.choices], required=False)
    actor = forms.CharField(label=_l("Who (login)"), required=False)
    object_type = forms.ChoiceField(label=_l("Object type"), choices=[("", _l("all"))], required=False)
    municipality = forms.ModelChoiceField(
        label=_l("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_l("all")
    )
    since = forms.DateField(label=_l("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_l("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["municipality"].queryset = Municipality.objects.visible_to(user, VIEW_AUDIT)
            self.fields["object_type"].choices = [("", _l("all")), *_object_types(user)]


def _object_types(user) -> list[tuple[str, str]]:
    """The types of the events the user may see, by their Russian names."""
    codes = AuditEvent.objects.visible_to(user, VIEW_AUDIT).order_by().values_list("object_type", flat=True)
    named = [(code, type_name(code)) for code in set(codes.distinct()) if code]
    return sorted(named, key=lambda pair: pair[1])


HIDDEN = _l("(personal data hidden)")


def _columns(changes) -> list[Column]:
    """The columns; `changes(event)` writes what changed, one line per field «Поле: было → стало»."""
    return [
        Column("at", _l("When"), lambda e: timezone.localtime(e.at).strftime("%d.%m.%Y %H:%M:%S"), "at"),
        Column("actor", _l("Who"), lambda e: e.actor_username, "actor_username"),
        Column("action", _l("Action"), lambda e: e.get_action_display(), "action"),
        Column("object_type", _l("Object type"), lambda e: type_name(e.object_type), "object_type"),
        Column("object", _l("Object"), lambda e: e.object_repr),
        Column("changes", _l("What changed"), changes),
        Column("note", _l("Note"), lambda e: e.note),
        Column("ip", _l("Address"), lambda e: e.ip or ""),
    ]


class AuditListView(TableView):
    """The audit log. People's names and contacts in the changed values are shown only to those whose role may see
    people (VIEW_PEOPLE), and each page or export that shows them is itself recorded as a view of personal data;
    anyone else sees logins, roles and the other values, with the personal ones hidden."""

    permission = VIEW_AUDIT
    title = _l("Audit log")
    export_name = "audit"
    search_fields = ("object_repr", "note", "object_id")
    search_placeholder = _l("Object or note")
    default_order = ("-at", "-id")
    template_name = "audit/audit_list.html"
    table_class = "changes"
    columns = _columns(lambda e: "")

    def setup(self, request, *args, **kwargs) -> None:
        super().setup(request, *args, **kwargs)
        self.may_see_people = bool(decide(request.user, VIEW_PEOPLE))
        self.rows_shown: set[int] = set()
        self.people_shown: dict[int, set[int]] = {}  # audit row → ids of the people whose data it showed
        self.wording = AuditWording()
        self.columns = _columns(self._changes)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.people_shown:
            ids = sorted({i for shown in self.people_shown.values() for i in shown})
            note_personal_ids(
                request.user,
                ids,
                where=request.get_full_path(),
                details={
                    "page": "audit",
                    "rows": len(self.rows_shown),
                    "rows_with_personal_data": len(self.people_shown),
                },
            )
        return response

    def _changes(self, entry: AuditEvent) -> str:
        self.rows_shown.add(entry.pk)
        personal = personal_keys(entry.object_type, entry.before) | personal_keys(entry.object_type, entry.after)
        if personal and self.may_see_people:
            person = {int(entry.object_id)} if entry.object_id.isdigit() else set()
            self.people_shown.setdefault(entry.pk, set()).update(person)
        hidden = () if self.may_see_people else personal
        lines = self.wording.lines(entry.object_type, entry.before, entry.after, hidden, str(HIDDEN))
        return "\n".join(lines)

    def filter_form_class(self, data):
        return AuditFilterForm(data, user=self.request.user)

    def base_queryset(self):
        return AuditEvent.objects.visible_to(self.request.user, VIEW_AUDIT)

    def apply_filters(self, qs, data):
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_username__icontains=data["actor"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("municipality"):
            qs = qs.filter(municipality=data["municipality"])
        if data.get("since"):
            qs = qs.filter(at__date__gte=data["since"])
        if data.get("until"):
            qs = qs.filter(at__date__lte=data["until"])
        return qs
