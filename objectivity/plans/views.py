"""Pages of plans of measures (filled in below)."""

from django.utils.translation import gettext_lazy as _l

from objectivity.core.tables import TableView
from objectivity.plans.apps import VIEW_PLANS


class PlanList(TableView):
    permission = VIEW_PLANS
    title = _l("Plans of measures")
