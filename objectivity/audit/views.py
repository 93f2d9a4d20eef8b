import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from objectivity.access.roles import VIEW_AUDIT
from objectivity.audit.models import Action, AuditEvent
from objectivity.core.tables import Column, TableView
from objectivity.orgs.models import Municipality


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_l("Action"), choices=[("", _l("all")), *Action.choices], required=False)
    actor = forms.CharField(label=_l("Who (login)"), required=False)
    object_type = forms.CharField(label=_l("Object type"), required=False)
    municipality = forms.ModelChoiceField(
        label=_l("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_l("all")
    )
    since = forms.DateField(label=_l("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_l("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["municipality"].queryset = Municipality.objects.visible_to(user)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value not in (None, {}) else ""


class AuditListView(TableView):
    permission = VIEW_AUDIT
    title = _l("Audit log")
    export_name = "audit"
    search_fields = ("object_repr", "note", "object_id")
    search_placeholder = _l("Object or note")
    default_order = ("-at", "-id")
    template_name = "audit/audit_list.html"
    columns = [
        Column("at", _l("When"), lambda e: timezone.localtime(e.at).strftime("%d.%m.%Y %H:%M:%S"), "at"),
        Column("actor", _l("Who"), lambda e: e.actor_username, "actor_username"),
        Column("action", _l("Action"), lambda e: e.get_action_display(), "action"),
        Column("object_type", _l("Object type"), lambda e: e.object_type, "object_type"),
        Column("object", _l("Object"), lambda e: e.object_repr),
        Column("before", _l("Before"), lambda e: _json(e.before)),
        Column("after", _l("After"), lambda e: _json(e.after)),
        Column("note", _l("Note"), lambda e: e.note),
        Column("ip", _l("Address"), lambda e: e.ip or ""),
    ]

    def filter_form_class(self, data):
        return AuditFilterForm(data, user=self.request.user)

    def base_queryset(self):
        return AuditEvent.objects.visible_to(self.request.user)

    def apply_filters(self, qs, data):
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_username__icontains=data["actor"])
        if data.get("object_type"):
            qs = qs.filter(object_type__icontains=data["object_type"])
        if data.get("municipality"):
            qs = qs.filter(municipality=data["municipality"])
        if data.get("since"):
            qs = qs.filter(at__date__gte=data["since"])
        if data.get("until"):
            qs = qs.filter(at__date__lte=data["until"])
        return qs
