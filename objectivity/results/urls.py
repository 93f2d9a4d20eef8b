from django.urls import path

from objectivity.results import views, views_lists

urlpatterns = [
    path("", views.WorkListView.as_view(), name="results-home"),
    path("works/<int:pk>/", views.work_detail, name="work-detail"),
    path("import/", views.results_import, name="results-import"),
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<uuid:pk>/", views.import_detail, name="import-detail"),
    path("imports/<uuid:pk>/quality.xlsx", views.import_quality, name="import-quality"),
    path("imports/<uuid:pk>/original", views.import_original, name="import-original"),
    path("imports/<uuid:pk>/withdraw/", views.import_withdraw, name="import-withdraw"),
    path("imports/<uuid:pk>/schools/", views.import_add_schools, name="import-add-schools"),
    path("catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path("catalogue/export.yaml", views.catalogue_export, name="catalogue-export"),
    path("catalogue/export.xlsx", views.catalogue_export_xlsx, name="catalogue-export-xlsx"),
    path("catalogue/import/", views.catalogue_import, name="catalogue-import"),
    path("catalogue/description/", views.description_import, name="description-import"),
    path("catalogue/<int:pk>/", views.reference_detail, name="reference-detail"),
    path("schedule/", views_lists.ScheduleListView.as_view(), name="schedule-list"),
    path("schedule/add/", views_lists.schedule_add, name="schedule-add"),
    path("schedule/<int:pk>/delete/", views_lists.schedule_delete, name="schedule-delete"),
    path("schedule/import/", views_lists.schedule_import, name="schedule-import"),
    path("windows/", views_lists.windows, name="windows"),
    path("control/", views_lists.ControlSampleView.as_view(), name="control-list"),
    path("control/import/", views_lists.control_import, name="control-import"),
]
