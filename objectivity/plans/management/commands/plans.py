"""`objectivity plans …`: shipped templates, export of a plan, import of a plan from a table, removal of evidence files
whose retention has ended (for cron)."""

import datetime
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.authz.policy import decide
from objectivity.core import documents
from objectivity.core.actors import command_actor
from objectivity.orgs.commands import region_option
from objectivity.orgs.models import Municipality, Region, School
from objectivity.plans import actions
from objectivity.plans.apps import EDIT_PLANS
from objectivity.plans.documents import plan_document, plan_xlsx
from objectivity.plans.models import Level, Plan
from objectivity.plans.plan_import import PlanFileError, read_plan_file
from objectivity.plans.templates import load_templates

FORMATS = ("docx", "pdf", "xlsx")


def measures_text(count: int) -> str:
    return ngettext("%(n)d measure", "%(n)d measures", count) % {"n": count}


class Command(BaseCommand):
    help = (
        "Планы мероприятий (дорожные карты) по повышению объективности оценки образовательных результатов: "
        "шаблоны, выгрузка плана в DOCX, PDF или XLSX, загрузка плана из таблицы DOCX или XLSX, удаление "
        "файлов-подтверждений с истёкшим сроком хранения."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, title="действие")
        commands.add_parser("templates", help="перечислить шаблоны планов, поставляемые с системой")

        export = commands.add_parser("export", help="выгрузить план в файл (таблица как в приказе)")
        export.add_argument("plan_id", type=int, metavar="PLAN_ID", help="номер плана (из адреса его страницы)")
        export.add_argument("--format", choices=FORMATS, required=True, help="формат файла: docx, pdf или xlsx")
        export.add_argument("--out", required=True, help="путь файла, который будет записан")

        load = commands.add_parser(
            "import", help="создать план из таблицы в файле DOCX или XLSX (файл целиком или никак)"
        )
        load.add_argument("file", type=Path, metavar="FILE", help="файл плана: .docx или .xlsx")
        load.add_argument("--level", choices=Level.values, required=True, help="уровень плана")
        load.add_argument(
            "--scope",
            required=True,
            metavar="CODE_OR_LOGIN",
            help="чей план: код региона; код или название муниципалитета (при совпадении в разных регионах — с --region); логин ОО (sch220001)",
        )
        load.add_argument("--year", type=int, required=True, help="год начала учебного года: 2026 для 2026/27")
        load.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="логин пользователя, от имени которого план создаётся и записывается в журнал действий "
            "(обязательно: у каждого изменения в журнале есть автор); у него должно быть право вести планы "
            "этого уровня",
        )
        load.add_argument("--title", default="", help="название плана (по умолчанию — типовое)")
        load.add_argument("--region", default="", help="код региона для муниципалитета (нужен, когда их несколько)")
        load.add_argument("--order-body", default="", help="кем утверждён: «Приказ министерства образования …»")
        load.add_argument("--order-number", default="", help="номер приказа об утверждении")
        load.add_argument("--order-date", default="", help="дата приказа об утверждении, ДД.ММ.ГГГГ")

        commands.add_parser(
            "purge-evidence",
            help="удалить файлы-подтверждения, срок хранения которых истёк (запускать ежедневно по cron)",
        )

    def handle(self, *args, subcommand: str, **options):
        handlers: dict[str, Callable[..., None]] = {
            "templates": self._templates,
            "export": self._export,
            "import": self._import,
            "purge-evidence": self._purge,
        }
        handlers[subcommand](**options)

    def _templates(self, **options) -> None:
        for found in load_templates():
            level = _level_label(found.level)
            self.stdout.write(f"{found.key:<24} {level:<34} {measures_text(len(found.measures)):<16} {found.title}")

    def _export(self, *, plan_id: int, format: str, out: str, **options) -> None:
        plan = Plan.objects.select_related("region", "municipality", "school").filter(pk=plan_id).first()
        if plan is None:
            raise CommandError(_("Plan %(id)d is not found") % {"id": plan_id})
        content = plan_xlsx(plan) if format == "xlsx" else documents.render(plan_document(plan), format)
        Path(out).write_bytes(content)
        count = plan.measures.count()
        self.stdout.write(
            _("Plan %(id)d (%(plan)s, %(measures)s) is written to %(path)s")
            % {"id": plan.pk, "plan": plan, "measures": measures_text(count), "path": out}
        )

    def _import(self, *, file: Path, level: str, scope: str, year: int, by: str, title: str, **options) -> None:
        if not file.is_file():
            raise CommandError(_("File not found: %(names)s") % {"names": file})
        if not 1990 <= year <= 2100:
            raise CommandError(_("The school year %(year)d is not a year: give the year it starts in") % {"year": year})
        owner = _scope(level, scope, options["region"])
        user = command_actor(by)
        if not decide(user, EDIT_PLANS, owner):
            raise CommandError(
                _("User %(login)s may not make plans for %(scope)s") % {"login": user.username, "scope": owner}
            )
        order = _order(options)
        try:
            rows = read_plan_file(file, file.name)
            plan = actions.create_plan(by=user, scope=owner, school_year=year, title=title, measures=rows, order=order)
        except PlanFileError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        sections = len({(r["section_number"], r["section_title"]) for r in rows})
        self.stdout.write(
            _("Plan %(id)d is created: %(plan)s, %(measures)s, sections: %(sections)d")
            % {"id": plan.pk, "plan": plan, "measures": measures_text(len(rows)), "sections": sections}
        )

    def _purge(self, **options) -> None:
        count = actions.purge_expired_evidence(by=command_actor(options.get("by") or ""))
        self.stdout.write(
            ngettext(
                "%(n)d evidence file whose retention has ended is removed",
                "%(n)d evidence files whose retention has ended are removed",
                count,
            )
            % {"n": count}
        )


def _level_label(level: str) -> str:
    if level == "recommended":
        return _("recommended measures")
    return str(Level(level).label)


def _scope(level: str, value: str, region_code: str) -> Region | Municipality | School:
    """The plan's owner: a region by its code; a municipality by its code, else by its name (any case), in the region
    given by --region or in any when only one has it; a school by its login."""
    if level == Level.REGION:
        found = Region.objects.filter(code=value).first()
        if found is None:
            raise CommandError(_("Region with code %(code)s is not found") % {"code": value})
        return found
    if level == Level.SCHOOL:
        school = School.objects.select_related("municipality").filter(login=value.strip().lower()).first()
        if school is None:
            raise CommandError(_("School with login %(login)s is not found") % {"login": value})
        return school
    municipalities = Municipality.objects.select_related("region")
    if region_code:
        municipalities = municipalities.filter(region=region_option(region_code))
    by_code = list(municipalities.filter(code=value)) if value else []
    wanted = " ".join(value.split()).casefold()  # in Python: SQLite compares only Latin letters without case
    found = by_code or [m for m in municipalities if " ".join(m.name.split()).casefold() == wanted]
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(_("No municipality has the code or name “%(value)s”") % {"value": value})
    raise CommandError(
        _("Several municipalities have the code or name “%(value)s”: %(found)s; say which region with --region")
        % {"value": value, "found": ", ".join(f"{m.name} ({m.region.code})" for m in found)}
    )


def _order(options: dict) -> dict:
    date = None
    if options["order_date"]:
        try:
            date = datetime.datetime.strptime(options["order_date"], "%d.%m.%Y").date()
        except ValueError as exc:
            raise CommandError(
                _("The order date “%(value)s” is not a date ДД.ММ.ГГГГ") % {"value": options["order_date"]}
            ) from exc
    return {"order_body": options["order_body"], "order_number": options["order_number"], "order_date": date}
