"""The system account: who the audit log names for changes made from the command line without `--by`.

An ordinary user row (so every actor column — audit events, jobs, imports — holds someone), created on first
use: inactive, with an unusable password and no roles, so nobody can log in as it or see it in a region's
list of users. Its login is reserved: the user forms refuse it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

SYSTEM_USERNAME = "system"


def system_user():
    """The system account, created on first use; refused if a usable account has taken its login."""
    user = get_user_model().objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = _create()
    if user.is_active or user.has_usable_password() or _holds_roles(user):
        raise CommandError(
            _("The login “%(login)s” is reserved for the system account, but a usable account holds it")
            % {"login": SYSTEM_USERNAME}
        )
    return user


def _holds_roles(user) -> bool:
    memberships = getattr(user, "memberships", None)  # the roles relation, when the user model has one
    return memberships is not None and memberships.exists()


def _create():
    users = get_user_model().objects
    try:
        with transaction.atomic():
            return users.create(
                username=SYSTEM_USERNAME,
                last_name=_("System account (command line)"),
                is_active=False,
                password=make_password(None),
            )
    except IntegrityError:  # another process created it meanwhile
        return users.get(username=SYSTEM_USERNAME)


def command_actor(login: str):
    """Who a console command acts for: the user given with --by, or the system account without it."""
    if not login:
        return system_user()
    user = get_user_model().objects.filter(username=login).first()
    if user is None:
        raise CommandError(_("User %(login)s given with --by is not found") % {"login": login})
    return user


def is_reserved(login: str) -> bool:
    return login.strip().lower() == SYSTEM_USERNAME
