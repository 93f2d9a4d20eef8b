"""«Сроки по планам мероприятий» on the start pages (registered in PlansConfig.ready()): the viewer's own measures that
are overdue or fall due within the reminder window (as an executor), and, for those who see plans, the counts of
their scope: overdue measures, measures due soon, reports awaiting a decision, with the plans that await one.

The panel is shown to everyone who sees plans or is named an executor, with a plain sentence when nothing is due,
as the list's panel does when it has no run; others (observers, experts) never see it."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import ngettext

from objectivity.authz.policy import can
from objectivity.plans import reminders
from objectivity.plans.access import visible_measures
from objectivity.plans.apps import EDIT_PLANS, VIEW_PLANS
from objectivity.plans.models import OPEN_STATUSES, ExecutionReport, Level, Measure, Plan

PLANS_SHOWN = 10  # plans awaiting a decision, listed by name; the rest are counted


def due_panel(request, _obj=None) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    today = timezone.localdate()
    sees_plans = can(user, VIEW_PLANS)
    is_executor = Measure.objects.filter(executors=user).exists()
    if not sees_plans and not is_executor:
        return None
    mine = _my_measures(user, today)
    return {
        "today": today,
        "days": settings.PLAN_REMINDER_WORKING_DAYS,
        "is_executor": is_executor,
        "overdue": [m for m in mine if m.is_overdue(today)],
        "due": [m for m in mine if not m.is_overdue(today)],
        "scope": _scope_counts(user, today) if sees_plans else None,
    }


def _my_measures(user, today) -> list[Measure]:
    """Open measures naming the viewer as an executor, due by the end of the reminder window, soonest first."""
    return list(
        Measure.objects.filter(
            executors=user, status__in=OPEN_STATUSES, due_date__isnull=False, due_date__lte=reminders.window_end(today)
        )
        .select_related("plan__region", "plan__municipality", "plan__school")
        .order_by("due_date", "plan_id", "position", "pk")
    )


def _scope_counts(user, today) -> dict:
    """What the viewer's scope owes: counts over every measure they see, and the plans with reports to decide on
    (for those who decide)."""
    measures = visible_measures(user).filter(status__in=OPEN_STATUSES, due_date__isnull=False)
    pending = ExecutionReport.objects.filter(
        measure__in=visible_measures(user).values("pk"), decision=ExecutionReport.Decision.PENDING
    )
    waiting, awaiting = _plans_awaiting(user, pending) if can(user, EDIT_PLANS) else ([], 0)
    overdue = measures.filter(due_date__lt=today).count()
    due = measures.filter(due_date__gte=today, due_date__lte=reminders.window_end(today)).count()
    count = pending.count()
    return {
        "cards": [
            (overdue, _overdue_label(overdue), "overdue"),
            (due, _due_label(due), "due"),
            (count, _pending_label(count), "reported"),
        ],
        "plans_awaiting": waiting,
        "more_awaiting": max(0, awaiting - PLANS_SHOWN),
    }


# The words under a card's number agree with it: «1 мероприятие», «3 мероприятия», «12 мероприятий».
def _overdue_label(n: int) -> str:
    return ngettext("measure whose deadline has passed", "measures whose deadline has passed", n)


def _due_label(n: int) -> str:
    days = settings.PLAN_REMINDER_WORKING_DAYS
    within = ngettext("due within %(days)s working day", "due within %(days)s working days", days) % {"days": days}
    words = ngettext("measure falling due", "measures falling due", n)
    return f"{words} {within}"


def _pending_label(n: int) -> str:
    return ngettext("execution report awaits a decision", "execution reports await a decision", n)


def _plans_awaiting(user, pending) -> tuple[list[Plan], int]:
    """The first PLANS_SHOWN plans the viewer controls with a report awaiting a decision, by their owner's name (never
    by how many), and how many there are. Controlled: the plans gate's own query for `plans.edit` (the rule `can`
    applies to one plan); a regional controller's thousand school plans are sorted as tuples, not loaded as objects."""
    controlled = Plan.objects.visible_to(user, EDIT_PLANS).filter(pk__in=pending.values("measure__plan"))
    rows = controlled.order_by().values_list(
        "pk", "level", "school_year", "school_id", "school__short_name", "municipality_id", "municipality__name",
        "region__name",
    )  # fmt: skip
    keyed = sorted(
        ((level != Level.REGION, _owner(school, school_name, municipality, municipality_name, region), year), pk)
        for pk, level, year, school, school_name, municipality, municipality_name, region in rows
    )
    shown = [pk for _key, pk in keyed[:PLANS_SHOWN]]
    plans = Plan.objects.filter(pk__in=shown).select_related("region", "municipality", "school").in_bulk()
    return [plans[pk] for pk in shown], len(keyed)


def _owner(school, school_name: str, municipality, municipality_name: str, region_name: str) -> str:
    """`Plan.owner_label` from the row's values."""
    if school is not None:
        return school_name
    return municipality_name if municipality is not None else region_name


def school_card_panel(request, school) -> dict | None:
    """The school card's «Планы мероприятий»: the plans of this school, with how far each has got."""
    if not can(request.user, VIEW_PLANS, school):
        return None
    from objectivity.plans import progress

    plans = Plan.objects.visible_to(request.user, VIEW_PLANS).filter(school=school).order_by("-school_year")
    tallies = progress.by_plan(plans)
    return {"school": school, "plans": [(p, tallies.get(p.pk, progress.Tally())) for p in plans]}
