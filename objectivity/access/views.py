import math
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST, require_safe

from objectivity.access import actions
from objectivity.access.forms import PasswordChangeForm, RoleScopeForm, SchoolAccountsForm, UserCreateForm
from objectivity.access.middleware import client_ip
from objectivity.access.models import Membership, User
from objectivity.access.people import note_personal_view, visible_users
from objectivity.authz.policy import decide
from objectivity.authz.roles import MANAGE_USERS, VIEW_PEOPLE, role_label
from objectivity.core.auditing import Action, record
from objectivity.core.params import clean_text
from objectivity.core.tables import Column, TableView, pk_link
from objectivity.core.visits import remember_previous_login
from objectivity.orgs.models import Region, School


class LoginView(auth_views.LoginView):
    """Django's login on the project's page. Axes refuses a locked-out login before any password is checked
    (ADR 0012); every refused login, locked out or not, is recorded in the audit log."""

    template_name = "access/login.html"

    def post(self, request, *args, **kwargs):
        if not AxesProxyHandler.is_allowed(request):
            return self.refuse(self.get_form(), blocked=True)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        before = form.get_user().last_login  # login() moves it to now
        response = super().form_valid(form)
        user = form.get_user()
        remember_previous_login(self.request, before)
        record(by=user, action=Action.LOGIN, obj=user, ip=client_ip(self.request))
        return response

    def form_invalid(self, form):
        return self.refuse(form, blocked=False)

    def refuse(self, form, *, blocked: bool):
        username = clean_text(self.request.POST.get("username", ""), max_length=150).strip()  # PostgreSQL refuses NUL
        _record_refusal(username, client_ip(self.request), blocked=blocked)
        error = _lockout_message(self.request) if blocked else _("Wrong login or password")
        return self.render_to_response(self.get_context_data(form=form, error=error))


def _lockout_message(request) -> str:
    cool_off = get_cool_off(request) or timedelta(0)
    minutes = math.ceil(cool_off.total_seconds() / 60)
    return _("Too many failed attempts. Try again in %(m)d minutes.") % {"m": minutes}


def _record_refusal(username: str, ip: str | None, *, blocked: bool) -> None:
    """A refused login in the audit log: the login tried and the address, never the password. Nobody is logged
    in, so the row has no actor; it is filed where the account of that login works (if there is one)."""
    known = User.objects.filter(username__iexact=username).first()
    record(
        by=None,
        action=Action.LOGIN_FAILED,
        scope=known,
        object_type="access.User",
        object_id=str(known.pk) if known else "",
        object_repr=username[:150],
        ip=ip,
        after={"username": username[:150], "blocked": blocked},
        note=_("refused: too many failed attempts, logins are blocked for a while")
        if blocked
        else _("wrong login or password"),
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(by=request.user, action=Action.LOGOUT, obj=request.user, ip=client_ip(request))
    logout(request)
    return redirect("login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(by=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("The password is changed"))
        return redirect("home")
    return render(request, "access/password_change.html", {"form": form, "forced": request.user.must_change_password})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "access/password_reset.html"
    email_template_name = "access/password_reset_email.txt"
    subject_template_name = "access/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "access/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    @transaction.atomic  # the new password, its audit row and the end of «must change» together
    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            by=form.user,
            action=Action.PASSWORD,
            obj=form.user,
            note="reset by e-mail link",
            after={"must_change_password": False},
        )
        User.objects.filter(pk=form.user.pk).update(must_change_password=False)
        messages.success(self.request, _("The password is set. Log in with it."))
        return response


def _managed_region(user) -> Region:
    for membership in user.active_memberships():
        if membership.level == "region" and decide(user, MANAGE_USERS, membership.region):
            return membership.region
    raise PermissionDenied(decide(user, MANAGE_USERS).reason)


def _roles_text(user: User) -> str:
    return "; ".join(f"{role_label(m.role)} — {m.scope_label}" for m in user.active_memberships())


class UserListView(TableView):
    permission = VIEW_PEOPLE
    title = _l("Users")
    export_name = "users"
    template_name = "access/user_list.html"
    search_fields = ("username", "last_name", "first_name", "email")
    search_placeholder = _l("Login, name or e-mail")
    default_order = ("username",)
    columns = [
        Column(
            "username",
            _l("Login"),
            lambda u: u.username,
            "username",
            link=pk_link("user-detail"),
        ),
        Column("name", _l("Name"), lambda u: u.display_name if u.display_name != u.username else "", "last_name"),
        Column("roles", _l("Roles"), _roles_text),
        Column("active", _l("Active"), lambda u: _("yes") if u.is_active else _("no"), "is_active"),
        Column(
            "last_login",
            _l("Last login"),
            lambda u: timezone.localtime(u.last_login).strftime("%d.%m.%Y %H:%M") if u.last_login else "",
            "last_login",
        ),
    ]

    def base_queryset(self):
        return visible_users(self.request.user).prefetch_related(
            "memberships__region", "memberships__municipality", "memberships__school"
        )

    def render_row(self, obj):
        obj._memberships_cache = list(obj.memberships.all())
        return super().render_row(obj)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        qs, _form = self.filtered_queryset()
        shown = qs if request.GET.get("format") == "xlsx" else qs[: self.page_size]
        note_personal_view(request.user, list(shown.only("pk")), where=request.get_full_path())
        return response

    def extra_context(self):
        return {"can_manage": bool(decide(self.request.user, MANAGE_USERS))}


@require_safe
@login_required
def user_detail(request, pk: int):
    user = get_object_or_404(visible_users(request.user), pk=pk)
    if not decide(request.user, VIEW_PEOPLE):
        raise PermissionDenied
    note_personal_view(request.user, [user], where=f"user {user.username}")
    return render(
        request,
        "access/user_detail.html",
        {
            "person": user,
            "memberships": user.active_memberships(),
            "can_manage": bool(decide(request.user, MANAGE_USERS)),
            "role_form": _role_form(request.user),
        },
    )


def _role_form(viewer) -> RoleScopeForm | None:
    try:
        return RoleScopeForm(region=_managed_region(viewer))
    except PermissionDenied:
        return None


@login_required
def user_create(request):
    region = _managed_region(request.user)
    form = UserCreateForm(request.POST if request.method == "POST" else None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile = {k: data[k] for k in ("last_name", "first_name", "middle_name", "email", "position", "organisation")}
        user, password = actions.create_user(
            by=request.user,
            username=data["username"],
            role=data["role"],
            level=data["level"],
            scope=data["scope"],
            **profile,
        )
        return render(
            request,
            "access/credentials.html",
            {"credentials": [(user.username, user.display_name, password)], "title": _("New user")},
        )
    return render(request, "access/user_form.html", {"form": form, "region": region})


@login_required
@require_POST
def user_reset_password(request, pk: int):
    _managed_region(request.user)
    user = get_object_or_404(visible_users(request.user), pk=pk)
    password = actions.reset_password(by=request.user, user=user)
    return render(
        request,
        "access/credentials.html",
        {"credentials": [(user.username, user.display_name, password)], "title": _("New temporary password")},
    )


@login_required
@require_POST
def user_toggle_active(request, pk: int):
    _managed_region(request.user)
    user = get_object_or_404(visible_users(request.user), pk=pk)
    if user == request.user:
        raise PermissionDenied(_("You cannot disable your own account"))
    actions.update_user(by=request.user, user=user, is_active=not user.is_active)
    return redirect("user-detail", pk=user.pk)


@login_required
@require_POST
def membership_remove(request, pk: int):
    region = _managed_region(request.user)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    if membership.region_id_of_scope != region.pk:
        raise PermissionDenied
    actions.remove_membership(by=request.user, membership=membership)
    return redirect("user-detail", pk=membership.user_id)


@login_required
def school_accounts(request):
    region = _managed_region(request.user)
    form = SchoolAccountsForm(request.POST if request.method == "POST" else None, region=region)
    pending = School.objects.filter(municipality__region=region).exclude(login__in=User.objects.values("username"))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["municipality"]:
            pending = pending.filter(municipality=form.cleaned_data["municipality"])
        created = actions.create_school_accounts(by=request.user, schools=list(pending.select_related("municipality")))
        printed = created
        if form.cleaned_data["send_invitations"]:
            invited = [row for row in created if row[1].email]
            for school, user, _password in invited:
                _send_invitation(request, user, school)
            printed = [row for row in created if not row[1].email]
            messages.success(request, _("Invitations sent: %(n)d") % {"n": len(invited)})
        rows = [(u.username, s.short_name, p) for s, u, p in printed]
        return render(
            request,
            "access/credentials.html",
            {"credentials": rows, "title": _("School accounts"), "created": len(created)},
        )
    return render(request, "access/school_accounts.html", {"form": form, "pending": pending.count(), "region": region})


def _send_invitation(request, user: User, school: School) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL.rstrip("/") + reverse("password-reset-confirm", args=[uid, token])
    body = _(
        "An account for «%(school)s» has been created in the information system «Объективность результатов ВПР».\n"
        "Login: %(login)s\nSet your password here: %(link)s\n"
    ) % {"school": school.short_name, "login": user.username, "link": link}
    send_mail(_("Access to «Объективность результатов ВПР»"), body, None, [user.email])


@login_required
@require_POST
def membership_add(request, pk: int):
    region = _managed_region(request.user)
    user = get_object_or_404(visible_users(request.user), pk=pk)
    form = RoleScopeForm(request.POST, region=region)
    if form.is_valid():
        data = form.cleaned_data
        if user.memberships.filter(role=data["role"], level=data["level"], **{data["level"]: data["scope"]}).exists():
            messages.info(request, _("The user already has this role"))
        else:
            actions.add_membership(
                by=request.user, user=user, role=data["role"], level=data["level"], scope=data["scope"]
            )
            messages.success(request, _("The role is added"))
    else:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("user-detail", pk=user.pk)
