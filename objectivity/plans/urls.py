from django.urls import path

from objectivity.plans import views

urlpatterns = [
    path("", views.PlanList.as_view(), name="plan-list"),
]
