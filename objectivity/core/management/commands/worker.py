"""`objectivity worker`: the task worker, after failing the jobs a killed worker left «running»."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from objectivity.core.jobs import STARTUP_SWEEPS, fail_orphans


class Command(BaseCommand):
    help = "Запустить обработчик фоновых задач (задачи, прерванные остановкой обработчика, сначала отмечаются как завершившиеся ошибкой)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="остановиться, когда очередь пуста (для тестов)")

    def handle(self, *args, **options):
        orphans = fail_orphans()
        if orphans:
            self.stderr.write(_("Jobs interrupted by a stopped worker, marked failed: %(n)d") % {"n": orphans})
        for label, sweep in STARTUP_SWEEPS.items():
            removed = sweep()
            if removed:
                self.stderr.write(f"{label}: {removed}")
        extra = ["--batch", "--no-startup-delay"] if options["batch"] else []
        call_command("db_worker", *extra, "--no-reload")
