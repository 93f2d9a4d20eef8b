"""Forms of the plans' pages. Scope choices come from the gate: a user is offered only what they may edit."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from objectivity.authz.policy import decide
from objectivity.orgs.models import Body, Municipality, Region, School
from objectivity.plans import evidence
from objectivity.plans.apps import EDIT_PLANS
from objectivity.plans.models import PARTICIPANTS, Level, Measure, Status
from objectivity.plans.templates import load_templates

LEVEL_OF_TEMPLATE = {"recommended": _("any level")}


def current_school_year(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def _school_year_choices() -> list[tuple[int, str]]:
    start = current_school_year()
    return [(year, f"{year}/{(year + 1) % 100:02d}") for year in (start - 1, start, start + 1)]


def template_choices() -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = [("", str(_("from scratch: an empty plan")))]
    for t in load_templates():
        count = len(t.measures)
        measures = ngettext("%(n)d measure", "%(n)d measures", count) % {"n": count}
        level = LEVEL_OF_TEMPLATE.get(t.level) or Level(t.level).label
        choices.append((t.key, f"{t.title} ({level}; {measures})"))
    return choices


class PlanFilterForm(forms.Form):
    school_year = forms.TypedChoiceField(label=_("School year"), coerce=int, required=False, empty_value=None)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("all")), *Level.choices])
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_("all")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = [("", _("all")), *_school_year_choices()]
        from objectivity.plans.apps import VIEW_PLANS

        self.fields["municipality"].queryset = Municipality.objects.visible_to(user, VIEW_PLANS)


class MeasureFilterForm(PlanFilterForm):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("all")),
            ("overdue", _("overdue")),
            ("due", _("due within the reminder window")),
            ("open", _("not done yet")),
            *Status.choices,
        ],
    )
    field_order = ["state", "school_year", "level", "municipality"]


class OrderFields(forms.Form):
    order_body = forms.CharField(
        label=_("Approved by (the order's issuer)"),
        max_length=300,
        required=False,
        help_text=_("For example: «Приказ Министерства образования и науки края»"),
    )
    order_number = forms.CharField(label=_("Order number"), max_length=50, required=False)
    order_date = forms.DateField(
        label=_("Order date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def order(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in ("order_body", "order_number", "order_date")}


class PlanCreateForm(OrderFields):
    template = forms.ChoiceField(label=_("Start from"), required=False, widget=forms.RadioSelect)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none(), required=False)
    school = forms.CharField(
        label=_("School login"), max_length=32, required=False, help_text=_("The school's login in ФИС ОКО")
    )
    school_year = forms.TypedChoiceField(label=_("School year"), coerce=int)
    title = forms.CharField(
        label=_("Title"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Empty: «План мероприятий (дорожная карта) по повышению объективности оценки…»"),
    )
    source_file = forms.FileField(
        label=_("Or from a file"),
        required=False,
        help_text=_(
            "A plan's table in DOCX or XLSX (№, мероприятие, сроки, ответственные, результат), as offices keep them"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.xlsx"}),
    )
    field_order = ["template", "source_file", "level", "municipality", "school", "school_year", "title"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["template"].choices = template_choices()
        self.fields["school_year"].choices = _school_year_choices()
        self.fields["school_year"].initial = current_school_year()
        self.regions = [r for r in Region.objects.visible_to(user, EDIT_PLANS) if decide(user, EDIT_PLANS, r)]
        # A school's role reaches its municipality's rows but makes no municipal plan: ask the gate per object.
        seen = Municipality.objects.visible_to(user, EDIT_PLANS).select_related("region")
        self.municipalities = seen.filter(pk__in=[m.pk for m in seen if decide(user, EDIT_PLANS, m)])
        self.schools = School.objects.visible_to(user, EDIT_PLANS)
        levels = [
            (Level.REGION, bool(self.regions)),
            (Level.MUNICIPALITY, self.municipalities.exists()),
            (Level.SCHOOL, self.schools.exists()),
        ]
        self.fields["level"].choices = [(lvl.value, lvl.label) for lvl, allowed in levels if allowed]
        self.fields["level"].initial = next((lvl.value for lvl, allowed in levels if allowed), None)
        self.fields["municipality"].queryset = self.municipalities
        only_school = list(self.schools[:2])
        if len(only_school) == 1:
            self.fields["school"].initial = only_school[0].login

    def clean(self):
        data = super().clean()
        data["rows"] = self._rows(data)
        level = data.get("level")
        if level == Level.REGION:
            data["scope"] = self.regions[0] if self.regions else None
        elif level == Level.MUNICIPALITY:
            if not data.get("municipality"):
                self.add_error("municipality", _("Choose the municipality whose plan this is."))
            data["scope"] = data.get("municipality")
        elif level == Level.SCHOOL:
            data["scope"] = self._school(data.get("school") or "")
        self._one_plan_a_year(data)
        return data

    def _one_plan_a_year(self, data) -> None:
        from objectivity.plans.actions import place_plan, same_plan
        from objectivity.plans.models import Plan

        if not data.get("scope") or not data.get("school_year"):
            return
        probe = Plan(school_year=data["school_year"])
        place_plan(probe, data["scope"])
        existing = same_plan(probe)
        if existing is not None:
            self.add_error(
                None,
                _("%(owner)s already has a plan for %(year)s: amend it (a new version) instead of making a second one.")
                % {"owner": existing.owner_label, "year": existing.school_year_label},
            )

    def _rows(self, data) -> list[dict]:
        """The measures to start with: the template's (their dates moved to the plan's year), the file's, or none."""
        from objectivity.plans.actions import measure_rows_of
        from objectivity.plans.plan_import import PlanFileError, read_plan_file
        from objectivity.plans.templates import template

        upload, key = data.get("source_file"), data.get("template")
        if upload and key:
            self.add_error("source_file", _("Choose a template or a file, not both."))
            return []
        if upload:
            try:
                return read_plan_file(upload, upload.name)
            except PlanFileError as error:
                self.add_error("source_file", str(error))
                return []
        return measure_rows_of(template(key), data.get("school_year")) if key else []

    def _school(self, login: str):
        if not login.strip():
            self.add_error("school", _("Give the school's login."))
            return None
        school = self.schools.filter(login=login.strip()).select_related("municipality").first()
        if school is None:
            self.add_error(
                "school",
                _("No school with the login «%(login)s» among the schools whose plans you may make.")
                % {"login": login},
            )
        return school


class AmendForm(OrderFields):
    changes = forms.CharField(
        label=_("What changed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=True
    )
    title = forms.CharField(label=_("Title"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(forms.ModelForm):
    participants_list = forms.MultipleChoiceField(
        label=_("Who takes part"),
        choices=[(p, p) for p in PARTICIPANTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants_other = forms.CharField(label=_("Other participants"), max_length=300, required=False)
    school_logins = forms.CharField(
        label=_("Schools (logins)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Logins of the schools the measure concerns, separated by commas or spaces"),
    )

    class Meta:
        model = Measure
        fields = [
            "section_number",
            "section_title",
            "number",
            "title",
            "deadline_text",
            "procedure_date",
            "responsible",
            "executors",
            "bodies",
            "result",
            "report_form",
            "assessments",
        ]
        labels = {"assessments": _("Works the measure concerns")}
        widgets = {
            "section_title": forms.Textarea(attrs={"rows": 2}),
            "title": forms.Textarea(attrs={"rows": 3}),
            "responsible": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "procedure_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "report_form": forms.TextInput(attrs={"list": "report-forms"}),
            "executors": forms.CheckboxSelectMultiple,
            "bodies": forms.CheckboxSelectMultiple,
            "assessments": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "deadline_text": _(
                "As plans write it: «30.11.2026», «октябрь, апрель», «в течение учебного года», "
                "«не позднее 1 рабочего дня до проведения оценочной процедуры». The due date is read from it."
            ),
        }

    def __init__(self, *args, plan, executors, show_names: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        people = self.fields["executors"]
        assert isinstance(people, forms.ModelMultipleChoiceField)
        people.queryset = executors
        self.show_names = show_names
        people.label_from_instance = self._person  # type: ignore[method-assign,assignment]
        people.help_text = _("They see the measure, file its reports and get reminders")
        bodies = self.fields["bodies"]
        assert isinstance(bodies, forms.ModelMultipleChoiceField)
        bodies.queryset = _bodies_of(plan)
        from objectivity.results.models import Assessment

        works = Assessment.objects.filter(year__in=(plan.school_year, plan.school_year + 1))
        assessments = self.fields["assessments"]
        assert isinstance(assessments, forms.ModelMultipleChoiceField)
        assessments.queryset = works.order_by("grade", "subject")
        words = [w.strip() for w in (self.instance.participants or "").split(",") if w.strip()]
        self.fields["participants_list"].initial = [w for w in words if w in PARTICIPANTS]
        self.fields["participants_other"].initial = ", ".join(w for w in words if w not in PARTICIPANTS)
        if self.instance.pk:
            self.fields["school_logins"].initial = " ".join(self.instance.schools.values_list("login", flat=True))

    def _person(self, user) -> str:
        """A name is personal data: shown to those who may see people, else the login."""
        return f"{user.display_name} ({user.username})" if self.show_names else user.username

    def clean_school_logins(self):
        logins = [w for w in self.cleaned_data["school_logins"].replace(",", " ").split() if w]
        schools = School.objects.filter(login__in=logins, municipality__region=self.plan.region)
        if self.plan.municipality_id:
            schools = schools.filter(municipality=self.plan.municipality_id)
        found = {s.login: s for s in schools}
        missing = [login for login in logins if login not in found]
        if missing:
            raise forms.ValidationError(
                _("No school of this plan's scope has the login: %(logins)s") % {"logins": ", ".join(missing)}
            )
        return list(found.values())

    def participants(self) -> str:
        chosen = list(self.cleaned_data.get("participants_list") or [])
        other = [w.strip() for w in (self.cleaned_data.get("participants_other") or "").split(",") if w.strip()]
        return ", ".join(chosen + other)

    def values(self) -> dict:
        from objectivity.plans.actions import MEASURE_FIELDS

        values = {key: self.cleaned_data.get(key) for key in MEASURE_FIELDS if key in self.cleaned_data}
        values["participants"] = self.participants()
        return values

    def links(self) -> dict:
        return {
            "executors": self.cleaned_data.get("executors") or [],
            "bodies": self.cleaned_data.get("bodies") or [],
            "assessments": self.cleaned_data.get("assessments") or [],
            "schools": self.cleaned_data.get("school_logins") or [],
        }


def _bodies_of(plan):
    bodies = Body.objects.filter(region=plan.region_id)
    if plan.municipality_id:
        bodies = bodies.filter(municipality__in=[plan.municipality_id, None])
    return bodies


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": evidence.ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    comment = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), required=True
    )
    evidence_files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, PNG or JPEG; the type is checked by the content"),
    )

    def clean_evidence_files(self):
        files = self.cleaned_data.get("evidence_files") or []
        if len(files) > settings.PLAN_EVIDENCE_MAX_FILES:
            raise forms.ValidationError(
                _("At most %(n)d files may be attached to one report.") % {"n": settings.PLAN_EVIDENCE_MAX_FILES}
            )
        for upload in files:
            evidence.check_upload(upload)
        return files


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("accept")), ("return", _("return"))])
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the report is returned: the executor will read it."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
