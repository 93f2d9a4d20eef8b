"""Who sees and changes what in plans: the scope gate for plans (a school its own plan, a municipality its own and its
schools', the region all), plus the executors named on a measure, who see and report on that measure wherever its
plan lies."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from objectivity.authz.policy import decide
from objectivity.plans.apps import EDIT_PLANS, VIEW_PLANS
from objectivity.plans.models import ExecutionReport, Measure, Plan


def visible_plans(user) -> QuerySet[Plan]:
    mine = Measure.objects.filter(executors=user).values("plan") if user.is_authenticated else Plan.objects.none()
    scoped = Plan.objects.visible_to(user, VIEW_PLANS).values("pk")
    return Plan.objects.filter(Q(pk__in=scoped) | Q(pk__in=mine))


def visible_measures(user) -> QuerySet[Measure]:
    scoped = Measure.objects.visible_to(user, VIEW_PLANS).values("pk")
    if not user.is_authenticated:
        return Measure.objects.none()
    return Measure.objects.filter(Q(pk__in=scoped) | Q(executors=user)).distinct()


def plan_or_404(user, pk: int) -> Plan:
    return get_object_or_404(visible_plans(user).select_related("region", "municipality", "school"), pk=pk)


def measure_or_404(user, pk: int) -> Measure:
    return get_object_or_404(visible_measures(user).select_related("plan__region", "plan__school"), pk=pk)


def report_or_404(user, pk: int) -> ExecutionReport:
    measures = visible_measures(user).values("pk")
    return get_object_or_404(ExecutionReport.objects.filter(measure__in=measures).select_related("measure"), pk=pk)


def can_edit(user, plan: Plan):
    """The plan's controller: who holds EDIT_PLANS over its scope (a Decision, with its reason)."""
    return decide(user, EDIT_PLANS, plan)


def is_executor(user, measure: Measure) -> bool:
    return user.is_authenticated and measure.executors.filter(pk=user.pk).exists()


def can_report(user, measure: Measure) -> bool:
    """The executors named on the measure, and the plan's controllers, file execution reports."""
    return is_executor(user, measure) or bool(can_edit(user, measure.plan))
