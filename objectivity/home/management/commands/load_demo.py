from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from objectivity.access.demo import DEMO_PASSWORD, demo_accounts
from objectivity.authz.roles import role_label
from objectivity.core.actors import system_user
from objectivity.core.demo import DemoContext, demo_steps
from objectivity.core.jobs import terminal_progress
from objectivity.orgs.demo import REGION_CODE
from objectivity.orgs.models import Region


class Command(BaseCommand):
    help = "Загрузить демо-регион: муниципалитеты, около 300 ОО, органы управления образованием, пользователя для каждой роли."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help="начальное значение генератора: с тем же значением те же данные"
        )

    def handle(self, *args, seed: int, **options):
        if Region.objects.filter(code=REGION_CODE).exists():
            self.stdout.write(_("The demo region is already loaded."))
        else:
            self._load(seed)
        self.stdout.write(
            "\n" + _("Demo users (the same password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        )
        for user in demo_accounts():
            roles = ", ".join(f"{role_label(m.role)} — {m.scope_label}" for m in user.active_memberships())
            self.stdout.write(f"  {user.username:<12} {roles}")

    def _load(self, seed: int) -> None:
        """Every app's step (registered in its AppConfig.ready()), in order."""
        context = DemoContext(
            seed=seed, by=system_user(), say=self.stdout.write, progress=terminal_progress(self.stderr)
        )
        for step in demo_steps():
            step.load(context)
