from django.urls import path

from objectivity.home import views

urlpatterns = [path("", views.home, name="home")]
