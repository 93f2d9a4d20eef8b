from django.urls import path

from objectivity.reports import analytic_views, dashboard_views, school_report_views, views

urlpatterns = [
    path("list/", views.SchoolListOfSigns.as_view(), name="school-list-of-signs"),
    path("dashboard/", dashboard_views.region_dashboard, name="region-dashboard"),
    path("municipalities/<int:pk>/", dashboard_views.municipality_dashboard, name="municipality-dashboard"),
    path("analytic/", analytic_views.analytic_report_page, name="analytic-report"),
    path("schools/<int:school>/works/<int:work>/", school_report_views.school_report, name="school-report"),
]
