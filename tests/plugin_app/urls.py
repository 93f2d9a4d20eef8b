from django.urls import path

from tests.plugin_app import views

urlpatterns = [path("", views.note_list, name="note-list")]
