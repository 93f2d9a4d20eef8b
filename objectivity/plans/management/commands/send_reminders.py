import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core.typography import ru_date
from objectivity.plans import reminders


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("Not a date: %(text)s (write it as YYYY-MM-DD)") % {"text": text}) from error


class Command(BaseCommand):
    help = (
        "Напомнить по электронной почте о мероприятиях планов, срок исполнения которых истёк или наступает в "
        "ближайшие рабочие дни (PLAN_REMINDER_WORKING_DAYS): одно письмо в день каждому исполнителю. Повторный "
        "запуск в тот же день не отправляет уже отправленного."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="день, на который напомнить, ГГГГ-ММ-ДД (по умолчанию сегодня)")
        parser.add_argument("--dry-run", action="store_true", help="только показать, кому что было бы отправлено")

    def handle(self, *args, date: str, dry_run: bool, **options):
        today = _day(date) if date else None
        outcome = reminders.send_reminders(today, dry_run=dry_run)
        for letter in outcome.sent:
            self.stdout.write(f"  {letter.user.username} <{letter.user.email}>: {self._phrase(letter)}")
        for letter in outcome.without_email:
            self.stdout.write(
                _("  %(user)s has no e-mail address: not reminded of %(measures)s")
                % {"user": letter.user.username, "measures": reminders.measures_phrase(len(letter.items))}
            )
        self.stdout.write(self._summary(outcome, dry_run))
        if outcome.failed:
            for letter, error in outcome.failed:
                self.stderr.write(
                    _("  %(user)s <%(email)s>: the mail server did not take the letter: %(error)s")
                    % {"user": letter.user.username, "email": letter.user.email, "error": error}
                )
            raise CommandError(
                ngettext(
                    "%(count)s letter was not sent; the next run tries again.",
                    "%(count)s letters were not sent; the next run tries again.",
                    len(outcome.failed),
                )
                % {"count": len(outcome.failed)}
            )

    @staticmethod
    def _phrase(letter: reminders.Letter) -> str:
        return _("%(overdue)s overdue, %(due)s due soon") % {"overdue": len(letter.overdue), "due": len(letter.due)}

    @staticmethod
    def _summary(outcome: reminders.Outcome, dry_run: bool) -> str:
        count = len(outcome.sent)
        if dry_run:
            text = ngettext(
                "Reminders of %(date)s: %(count)s letter would be sent (a dry run: nothing is sent or recorded).",
                "Reminders of %(date)s: %(count)s letters would be sent (a dry run: nothing is sent or recorded).",
                count,
            )
        else:
            text = ngettext(
                "Reminders of %(date)s: %(count)s letter sent.", "Reminders of %(date)s: %(count)s letters sent.", count
            )
        text = text % {"date": ru_date(outcome.day), "count": count}
        if outcome.already_sent:
            earlier = ngettext(
                "%(count)s reminder was already sent earlier that day.",
                "%(count)s reminders were already sent earlier that day.",
                outcome.already_sent,
            )
            text += " " + earlier % {"count": outcome.already_sent}
        days = settings.PLAN_REMINDER_WORKING_DAYS
        window = ngettext(
            "Measures due within %(days)s working day are included.",
            "Measures due within %(days)s working days are included.",
            days,
        )
        return text + " " + window % {"days": days}
