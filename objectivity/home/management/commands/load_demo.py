from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from objectivity.access.system import system_user
from objectivity.authz.roles import role_label
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
            region, _users = load_demo(seed=seed, by=system_user())
            self.stdout.write(
                _("Loaded the demo region «%(name)s»: %(n)d schools.")
                % {"name": region.name, "n": School.objects.count()}
            )
            self._results(region, seed)
        from objectivity.access.models import User

        self.stdout.write(
            "\n" + _("Demo users (the same password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        )
        for user in User.objects.filter(email__endswith="@demo.invalid").order_by("pk"):
            roles = ", ".join(f"{role_label(m.role)} — {m.scope_label}" for m in user.active_memberships())
            self.stdout.write(f"  {user.username:<12} {roles}")

    def _results(self, region, seed: int) -> None:
        from objectivity.core.jobs import terminal_progress
        from objectivity.results.demo import demo_years, load_demo_results

        actor = system_user()
        years = demo_years()
        self.stdout.write(
            _("Generating and importing ВПР results of %(years)s…") % {"years": ", ".join(map(str, years))}
        )
        outcomes = load_demo_results(region, by=actor, seed=seed, progress=terminal_progress(self.stderr))
        imported = [o for o in outcomes if o.status == "imported"]
        pupils = sum(o.summary["present"] for o in imported)
        self.stderr.write("")
        self.stdout.write(
            _("Results imported: %(files)d files, %(pupils)d participants present.")
            % {"files": len(imported), "pupils": pupils}
        )
        self._detection(region, actor, years[-1])

    def _detection(self, region, actor, year: int) -> None:
        from objectivity.detection.runs import create_run, execute, works_of_year

        run = create_run(region=region, year=year, assessments=list(works_of_year(region, year)), by=actor)
        summary = execute(run, lambda percent, message: None)
        self.stdout.write(
            _("Signs by the published ФИОКО method for %(year)d: level of objectivity %(index)s.")
            % {"year": year, "index": str(summary.get("index")).replace(".", ",")}
        )
