"""`objectivity create-region 22 "Алтайский край" --admin LOGIN`: the first step of a real installation."""

import getpass
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from objectivity.access.actions import RegionSetup, create_region
from objectivity.core.actors import command_actor, is_reserved, system_user


class Command(BaseCommand):
    help = "Создать регион и его регионального администратора; то, что уже есть, остаётся как есть."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="код региона, две цифры, как в логинах ОО: 22 для sch220206")
        parser.add_argument("name", help="наименование региона, например «Алтайский край»")
        parser.add_argument("--admin", default="", metavar="LOGIN", help="логин регионального администратора")
        parser.add_argument("--full-name", default="", help="фамилия, имя и отчество администратора")
        parser.add_argument("--email", default="", help="e-mail администратора (для восстановления пароля)")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--password-stdin", action="store_true", help="прочитать пароль администратора со стандартного ввода"
        )
        secret.add_argument("--ask-password", action="store_true", help="запросить пароль (вводится дважды)")
        parser.add_argument(
            "--by", default="", help="логин пользователя, от имени которого изменение записывается в журнал действий"
        )

    def handle(self, *args: Any, code: str, name: str, admin: str, by: str, **options: Any) -> None:
        code, name = code.strip(), " ".join(name.split())
        if not re.fullmatch(r"\d{2}", code):
            raise CommandError(_("The region code must be two digits, such as 22"))
        if not name:
            raise CommandError(_("Give the region's name, e.g. «Алтайский край»"))
        if (options["password_stdin"] or options["ask_password"]) and not admin:
            raise CommandError(_("A password is set only together with --admin LOGIN"))
        if is_reserved(admin):
            raise CommandError(_("Login “%(v)s” is reserved for the system account") % {"v": admin.strip()})
        named = command_actor(by) if by else None  # an unknown --by is refused before the password is asked
        password = self._password(options) if admin else ""
        try:
            with transaction.atomic():  # a refused password leaves nothing, not even the system account
                setup = create_region(
                    by=named or system_user(),
                    code=code,
                    name=name,
                    admin=admin.strip(),
                    password=password,
                    note=_("console: objectivity create-region (system user %(user)s)") % {"user": _os_user()},
                    **_profile(options["full_name"], options["email"]),
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._report(setup, name)

    def _password(self, options: dict) -> str:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError(_("No password on standard input"))
            return password
        if options["ask_password"]:
            first = getpass.getpass(_("Password: "))
            if first != getpass.getpass(_("The password again: ")):
                raise CommandError(_("The passwords differ; nothing was changed"))
            return first
        return ""

    def _report(self, setup: RegionSetup, name: str) -> None:
        region = setup.region
        if setup.region_created:
            self.stdout.write(_("Region %(code)s «%(name)s» is created.") % {"code": region.code, "name": region.name})
        else:
            self.stdout.write(
                _("Region %(code)s «%(name)s» already exists; it is left as it is.")
                % {"code": region.code, "name": region.name}
            )
            if region.name != name:
                self.stdout.write(
                    _("The name given, «%(given)s», differs from the stored one; the stored name is kept.")
                    % {"given": name}
                )
        if setup.admin is not None:
            self._report_admin(setup)
        self.stdout.write(
            "\n"
            + _("Next: load the registry of schools, then the results:")
            + f"\n  objectivity import-registry REGISTRY.xlsx --region {region.code}"
            + f"\n  objectivity import-results FILE.xlsx --region {region.code}"
        )

    def _report_admin(self, setup: RegionSetup) -> None:
        login = setup.admin.username if setup.admin else ""
        if setup.admin_created:
            self.stdout.write(_("Regional administrator %(login)s is created.") % {"login": login})
        elif setup.admin_role_added:
            self.stdout.write(
                _("User %(login)s already existed and is now the region's administrator.") % {"login": login}
            )
        else:
            self.stdout.write(_("User %(login)s already exists; left as it is.") % {"login": login})
        if setup.password:
            self.stdout.write(
                _("Temporary password (shown once; to be changed at the first login): %(password)s")
                % {"password": setup.password}
            )
        if setup.admin_created:
            self.stdout.write(_("Sign in at %(url)s") % {"url": settings.SITE_URL})


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _profile(full_name: str, email: str) -> dict[str, str]:
    parts = full_name.split()
    names = dict(zip(("last_name", "first_name", "middle_name"), [*parts[:2], " ".join(parts[2:])], strict=False))
    return {k: v for k, v in {**names, "email": email.strip()}.items() if v}
