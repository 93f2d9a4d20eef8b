"""The system account: who the audit log names for changes made from the command line without `--by`.

An ordinary user row (so every actor column — audit events, jobs, imports — holds someone), created on first
use: inactive, with an unusable password and no roles, so nobody can log in as it or see it in a region's
list of users. Its login is reserved: the user forms refuse it.
"""

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from objectivity.access.models import User

SYSTEM_USERNAME = "system"


def system_user() -> User:
    """The system account, created on first use; refused if a usable account has taken its login."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = _create()
    if user.is_active or user.has_usable_password() or user.memberships.exists():
        raise CommandError(
            _("The login “%(login)s” is reserved for the system account, but a usable account holds it")
            % {"login": SYSTEM_USERNAME}
        )
    return user


def _create() -> User:
    try:
        with transaction.atomic():
            return User.objects.create(
                username=SYSTEM_USERNAME,
                last_name=_("System account (command line)"),
                is_active=False,
                password=make_password(None),
            )
    except IntegrityError:  # another process created it meanwhile
        return User.objects.get(username=SYSTEM_USERNAME)


def command_actor(login: str) -> User:
    """Who a console command acts for: the user given with --by, or the system account without it."""
    if not login:
        return system_user()
    user = User.objects.filter(username=login).first()
    if user is None:
        raise CommandError(_("User %(login)s given with --by is not found") % {"login": login})
    return user


def is_reserved(login: str) -> bool:
    return login.strip().lower() == SYSTEM_USERNAME
