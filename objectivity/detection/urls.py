from django.urls import path

from objectivity.detection import views

urlpatterns = [
    path("", views.RunListView.as_view(), name="run-list"),
    path("start/", views.run_start, name="run-start"),
    path("runs/<uuid:pk>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:pk>/works/<int:work>/", views.WorkFindingsView.as_view(), name="work-findings"),
    path("runs/<uuid:pk>/schools/<int:school>/", views.school_findings, name="school-findings"),
    path("thresholds/<int:year>/", views.thresholds, name="thresholds"),
]
