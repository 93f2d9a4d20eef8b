from django.urls import path

from objectivity.plans import measure_views, views

urlpatterns = [
    path("", views.PlanList.as_view(), name="plan-list"),
    path("new/", views.plan_create, name="plan-create"),
    path("progress/", views.plans_progress, name="plans-progress"),
    path("mine/", measure_views.my_measures, name="plans-mine"),
    path("measures/", views.MeasureList.as_view(), name="measure-list"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/amend/", views.plan_amend, name="plan-amend"),
    path("<int:pk>/order/", views.plan_order, name="plan-order"),
    path("<int:pk>/versions/<int:number>/", views.plan_version, name="plan-version"),
    path("<int:pk>/measures/new/", measure_views.measure_new, name="measure-new"),
    path("measures/<int:pk>/", measure_views.measure_detail, name="measure-detail"),
    path("measures/<int:pk>/edit/", measure_views.measure_edit, name="measure-edit"),
    path("measures/<int:pk>/report/", measure_views.measure_report, name="measure-report"),
    path("measures/<int:pk>/start/", measure_views.measure_start, name="measure-start"),
    path("measures/<int:pk>/cancel/", measure_views.measure_cancel, name="measure-cancel"),
    path("measures/<int:pk>/delete/", measure_views.measure_delete, name="measure-delete"),
    path("reports/<int:pk>/decide/", measure_views.report_decide, name="report-decide"),
    path("files/<int:pk>/", measure_views.evidence_file, name="evidence-file"),
]
