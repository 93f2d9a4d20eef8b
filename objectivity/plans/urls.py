from django.http import HttpResponse
from django.urls import path

from objectivity.plans import views


# TEMP: placeholders for the owner's pages (dropped when merging: the owner's branch has the real views).
def _placeholder(request, pk=None):
    return HttpResponse("")


urlpatterns = [
    path("", views.PlanList.as_view(), name="plan-list"),
    path("mine/", _placeholder, name="plans-mine"),
    path("<int:pk>/", _placeholder, name="plan-detail"),
    path("measures/<int:pk>/", _placeholder, name="measure-detail"),
]
