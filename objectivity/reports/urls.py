from django.urls import path

from objectivity.reports import views

urlpatterns = [
    path("list/", views.SchoolListOfSigns.as_view(), name="school-list-of-signs"),
]
