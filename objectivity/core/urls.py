from django.urls import path

from objectivity.core import calendar_views, views

urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<uuid:pk>/status/", views.job_status, name="job-status"),
    path("health/", views.health, name="health"),
    path("calendar/", calendar_views.calendar_today, name="calendar"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar-year"),
    path("calendar/days/<int:pk>/remove/", calendar_views.calendar_day_remove, name="calendar-day-remove"),
]
