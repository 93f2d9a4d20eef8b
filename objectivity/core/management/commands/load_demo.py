from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from objectivity.access.roles import role_label
from objectivity.orgs.demo import DEMO_PASSWORD, REGION_CODE, load_demo
from objectivity.orgs.models import Region, School


class Command(BaseCommand):
    help = "Load the demo region (municipalities, ~300 schools, bodies, a user for every role)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        if Region.objects.filter(code=REGION_CODE).exists():
            self.stdout.write(_("The demo region is already loaded."))
        else:
            region, _users = load_demo(seed=seed)
            self.stdout.write(
                _("Loaded the demo region «%(name)s»: %(n)d schools.")
                % {"name": region.name, "n": School.objects.count()}
            )
        from objectivity.access.models import User

        self.stdout.write(
            "\n" + _("Demo users (the same password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        )
        for user in User.objects.filter(email__endswith="@demo.invalid").order_by("pk"):
            roles = ", ".join(f"{role_label(m.role)} — {m.scope_label}" for m in user.active_memberships())
            self.stdout.write(f"  {user.username:<12} {roles}")
