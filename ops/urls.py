from django.urls import path

from ops import health, metrics_view

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics_view.metrics, name="metrics"),
]
