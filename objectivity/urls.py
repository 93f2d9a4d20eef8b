from django.urls import include, path

urlpatterns = [
    path("", include("objectivity.home.urls")),
    path("", include("objectivity.core.urls")),
    path("", include("objectivity.access.urls")),
    path("orgs/", include("objectivity.orgs.urls")),
    path("audit/", include("objectivity.audit.urls")),
    path("results/", include("objectivity.results.urls")),
    path("detection/", include("objectivity.detection.urls")),
]
