from django.urls import path

from objectivity.reports import analytic_views, dashboard_views, federal_views, school_report_views, views

urlpatterns = [
    path("list/", views.SchoolListOfSigns.as_view(), name="school-list-of-signs"),
    path("federal/", federal_views.FederalEntries.as_view(), name="federal-list"),
    path("federal/import/", federal_views.federal_upload, name="federal-import"),
    path("federal/import/columns/", federal_views.federal_columns, name="federal-columns"),
    path("federal/imports/<int:pk>/", federal_views.federal_import_detail, name="federal-import-detail"),
    path("federal/imports/<int:pk>/tables.xlsx", federal_views.federal_import_xlsx, name="federal-import-xlsx"),
    path("federal/compare/", federal_views.federal_compare_page, name="federal-compare"),
    path("federal/compare/<int:year>.xlsx", federal_views.federal_compare_xlsx, name="federal-compare-xlsx"),
    path("federal/ours/<int:year>.xlsx", federal_views.federal_ours_xlsx, name="federal-ours-xlsx"),
    path("dashboard/", dashboard_views.region_dashboard, name="region-dashboard"),
    path("municipalities/<int:pk>/", dashboard_views.municipality_dashboard, name="municipality-dashboard"),
    path("analytic/", analytic_views.analytic_report_page, name="analytic-report"),
    path("schools/<int:school>/works/<int:work>/", school_report_views.school_report, name="school-report"),
]
