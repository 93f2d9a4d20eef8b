from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from objectivity.access.models import User
from objectivity.authz.roles import ROLES
from objectivity.core.actors import is_reserved
from objectivity.orgs.models import Municipality, Region, School


class PasswordChangeForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ"))
        if first:
            password_validation.validate_password(first, self.user)
        return data


class RoleScopeForm(forms.Form):
    """A role and the scope it is held in, inside the administrator's region."""

    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.code, r.label) for r in ROLES.values() if "federal" not in r.levels]
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality (for municipal roles)"), queryset=Municipality.objects.none(), required=False
    )
    school = forms.CharField(label=_("School login (for school roles)"), required=False)

    def __init__(self, *args, region: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["municipality"].queryset = Municipality.objects.filter(region=region)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        role = ROLES.get(data.get("role", ""))
        if role is None:
            return data
        level = role.levels[0]
        if "school" in role.levels and data.get("school"):
            level = "school"
        elif "municipality" in role.levels and data.get("municipality"):
            level = "municipality"
        data["level"] = level
        data["scope"] = self._scope(level, data)
        return data

    def _scope(self, level, data):
        if level == "region":
            return self.region
        if level == "municipality":
            if not data.get("municipality"):
                raise forms.ValidationError(_("Choose the municipality for this role"))
            return data["municipality"]
        login = (data.get("school") or "").strip().lower()
        school = School.objects.filter(login=login, municipality__region=self.region).first()
        if school is None:
            raise forms.ValidationError(
                _("School with login “%(v)s” is not in the region's registry") % {"v": data.get("school")}
            )
        return school


class UserCreateForm(RoleScopeForm):
    username = forms.CharField(label=_("Login"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    middle_name = forms.CharField(label=_("Middle name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=300, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=300, required=False)

    field_order = ["username", "last_name", "first_name", "middle_name", "email", "position", "organisation"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if is_reserved(username):
            raise forms.ValidationError(_("Login “%(v)s” is reserved for the system account") % {"v": username})
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Login “%(v)s” is taken") % {"v": username})
        return username


class SchoolAccountsForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_("all")
    )
    send_invitations = forms.BooleanField(
        label=_("E-mail invitations to schools with an address instead of printing passwords"), required=False
    )

    def __init__(self, *args, region: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(region=region)  # type: ignore[attr-defined]
