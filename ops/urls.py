from django.urls import path

from ops import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),
]
