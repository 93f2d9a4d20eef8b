from django.urls import path

from objectivity.orgs import views

urlpatterns = [
    path("schools/", views.SchoolListView.as_view(), name="school-list"),
    path("schools/<int:pk>/", views.school_detail, name="school-detail"),
    path("municipalities/", views.MunicipalityListView.as_view(), name="municipality-list"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school-edit"),
    path("bodies/", views.BodyListView.as_view(), name="body-list"),
    path("bodies/new/", views.body_create, name="body-create"),
    path("bodies/<int:pk>/", views.body_edit, name="body-edit"),
    path("registry/import/", views.registry_import, name="registry-import"),
    path("registry/import/columns/", views.registry_columns, name="registry-columns"),
    path("registry/template.xlsx", views.registry_template, name="registry-template"),
    path("registry/<uuid:pk>/problems.xlsx", views.registry_problems, name="registry-problems"),
]
