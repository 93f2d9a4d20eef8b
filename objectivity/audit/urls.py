from django.urls import path

from objectivity.audit import views

urlpatterns = [path("", views.AuditListView.as_view(), name="audit-list")]
