"""Reminders of measures that fall due soon or are overdue: one e-mail a day per person, listing all their measures.

Who is reminded of a measure: its executors. A measure with no executor named reminds the holders of `plans.edit`
at the plan's own level (the school's administrator for a school's plan, the municipal coordinator for a
municipality's, the region's controllers for the region's), never the levels above: they control hundreds of
plans and see the counts on their start page instead. People without an e-mail address or with a disabled account
are left out; the command says who had no address.

«Falls due soon»: the due day is today or within `PLAN_REMINDER_WORKING_DAYS` working days of today by the production
calendar (a due day on a weekend right after the last of those working days is within too). «Overdue»: the due day
has passed while the measure is still owed (`OPEN_STATUSES`). Accepted and cancelled measures, and reported ones
awaiting a decision, are never reminded of.

Idempotent per day: each (person, measure, day) is kept as a `ReminderSent` row, written in the same transaction as
the e-mail is sent; a second run on the same day sends only what the first did not (a measure that became due or a
person who got an address since). The rows are a log of e-mails, not a change of anyone's data: no audit event.
"""

import datetime
import smtplib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.authz.roles import ROLES
from objectivity.core import workdays
from objectivity.core.typography import ru_date
from objectivity.plans.apps import EDIT_PLANS
from objectivity.plans.models import OPEN_STATUSES, Measure, Plan, ReminderSent

DUE, OVERDUE = ReminderSent.Kind.DUE, ReminderSent.Kind.OVERDUE


def window_end(today: datetime.date) -> datetime.date:
    """The last day that still falls due «within N working days»: the day before the (N+1)-th working day after
    today, so a weekend or holiday following the N-th working day is inside the window."""
    days = settings.PLAN_REMINDER_WORKING_DAYS
    return workdays.add_working_days(today, days + 1) - datetime.timedelta(days=1)


def measures_to_remind(today: datetime.date):
    """Open measures due by the end of the window, overdue ones included."""
    return (
        Measure.objects.filter(status__in=OPEN_STATUSES, due_date__isnull=False, due_date__lte=window_end(today))
        .select_related("plan__region", "plan__municipality", "plan__school")
        .prefetch_related("executors")
        .order_by("due_date", "plan_id", "position", "pk")
    )


def kind_of(measure: Measure, today: datetime.date) -> str:
    return OVERDUE if measure.is_overdue(today) else DUE


def measure_url(pk: int) -> str:
    """The measure's page as an absolute address for an e-mail."""
    return settings.SITE_URL.rstrip("/") + reverse("measure-detail", args=[pk])


def controllers_of(plan: Plan) -> list:
    """Holders of `plans.edit` at the plan's own level and scope (not the levels above)."""
    from objectivity.access.models import Membership

    roles = [code for code, role in ROLES.items() if EDIT_PLANS in role.permissions]
    memberships = Membership.objects.filter(role__in=roles, level=plan.level, **{plan.level: plan.scope_object})
    return [m.user for m in memberships.select_related("user").order_by("user__username")]


def recipients(measure: Measure) -> list:
    """Whom to remind of the measure: its executors, else the plan's controllers at its level; active accounts."""
    people = list(measure.executors.all()) or controllers_of(measure.plan)
    return [person for person in people if person.is_active]


@dataclass
class Item:
    measure: Measure
    kind: str
    as_executor: bool  # False: reminded as the plan's controller because no executor is named


@dataclass
class Letter:
    user: Any  # the user model
    items: list[Item] = field(default_factory=list)

    @property
    def overdue(self) -> list[Item]:
        return [item for item in self.items if item.kind == OVERDUE]

    @property
    def due(self) -> list[Item]:
        return [item for item in self.items if item.kind == DUE]


@dataclass
class Outcome:
    day: datetime.date
    sent: list[Letter] = field(default_factory=list)  # in a dry run: what would be sent
    without_email: list[Letter] = field(default_factory=list)  # people to remind who have no address
    already_sent: int = 0  # reminders of the day sent by an earlier run
    failed: list[tuple[Letter, str]] = field(default_factory=list)  # the mail server refused: tried again next run


def letters_for(today: datetime.date) -> tuple[list[Letter], int]:
    """One letter per person with the measures not yet reminded of today; and how many were already reminded."""
    done = set(ReminderSent.objects.filter(day=today).values_list("user_id", "measure_id"))
    letters: dict[int, Letter] = {}
    already = 0
    for measure in measures_to_remind(today):
        executors = {person.pk for person in measure.executors.all()}
        for person in recipients(measure):
            if (person.pk, measure.pk) in done:
                already += 1
                continue
            letter = letters.setdefault(person.pk, Letter(person))
            letter.items.append(Item(measure, kind_of(measure, today), person.pk in executors))
    return sorted(letters.values(), key=lambda letter: letter.user.username), already


def send_reminders(today: datetime.date | None = None, *, dry_run: bool = False) -> Outcome:
    """E-mail today's reminders (a dry run only tells what it would send: nothing is sent or written)."""
    today = today or timezone.localdate()
    letters, already = letters_for(today)
    outcome = Outcome(today, already_sent=already)
    for letter in letters:
        if not letter.user.email:
            outcome.without_email.append(letter)
            continue
        try:
            sent = dry_run or _send(letter, today)
        except (smtplib.SMTPException, OSError) as error:  # one refused address must not stop the others' letters
            outcome.failed.append((letter, str(error)))
            continue
        if sent:
            outcome.sent.append(letter)
        else:
            outcome.already_sent += len(letter.items)
    return outcome


def _send(letter: Letter, today: datetime.date) -> bool:
    """Record the letter's reminders and send it in one transaction: if sending fails, nothing is recorded (the next
    run tries again) and the error propagates; if another run recorded them first, nothing is sent (False)."""
    rows = [ReminderSent(user=letter.user, measure=item.measure, day=today, kind=item.kind) for item in letter.items]
    try:
        with transaction.atomic():
            ReminderSent.objects.bulk_create(rows)
            compose(letter, today).send()
    except IntegrityError:
        return False
    return True


# ---- the letter ----------------------------------------------------------------------------------------------


def compose(letter: Letter, today: datetime.date) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Deadlines of measures on %(date)s") % {"date": ru_date(today)}
        return EmailMessage(subject=subject, body=body_of(letter), to=[letter.user.email])


def measures_phrase(count: int) -> str:
    """«1 мероприятие», «3 мероприятия», «5 мероприятий»."""
    return ngettext("%(count)s measure", "%(count)s measures", count) % {"count": count}


def body_of(letter: Letter) -> str:
    user = letter.user
    name = " ".join(part for part in (user.first_name, user.middle_name) if part)
    lines = [_("Dear %(name)s,") % {"name": name} if name else _("Hello,"), ""]
    lines.append(
        _("Measures of plans that need your attention: %(measures)s.")
        % {"measures": measures_phrase(len(letter.items))}
    )
    if letter.overdue:
        lines += ["", _("The deadline has passed:"), *_listed(letter.overdue)]
    if letter.due:
        days = settings.PLAN_REMINDER_WORKING_DAYS
        heading = ngettext(
            "Falls due today or within %(days)s working day:", "Falls due today or within %(days)s working days:", days
        )
        lines += ["", heading % {"days": days}, *_listed(letter.due)]
    if not all(item.as_executor for item in letter.items):
        lines += ["", _("* no executor is named: you are reminded as the plan's controller.")]
    mine = settings.SITE_URL.rstrip("/") + reverse("plans-mine")
    lines += [
        "",
        _("All your measures: %(url)s") % {"url": mine},
        "",
        _("This letter was sent by the system; do not reply to it."),
    ]
    return "\n".join(lines) + "\n"


def _listed(items: list[Item]) -> list[str]:
    lines = []
    for n, item in enumerate(items, start=1):
        measure = item.measure
        lines.append(
            _("%(n)s. %(plan)s, %(measure)s «%(title)s», due %(date)s%(star)s")
            % {
                "n": n,
                "plan": measure.plan,
                "measure": measure_label(measure),
                "title": _short(measure.title),
                "date": ru_date(measure.due_date),
                "star": "" if item.as_executor else " *",
            }
        )
        lines.append(f"   {measure_url(measure.pk)}")
    return lines


def measure_label(measure: Measure) -> str:
    """«мероприятие 2.2», or «мероприятие» when the plan does not number it."""
    number = measure.full_number.strip()
    return _("measure %(number)s") % {"number": number} if number else _("measure")


def _short(title: str, limit: int = 200) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"
