from django.urls import path

from objectivity.results import views

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
    path("catalogue/import/", views.catalogue_import, name="catalogue-import"),
    path("catalogue/<int:pk>/", views.reference_detail, name="reference-detail"),
]
