from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from api.routing import path as api_path
from messaging import upstream_hooks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.password_change, name="password_change"),
    api_path("hooks/dlr", upstream_hooks.ReportHook.as_view()),
    api_path("hooks/inbound", upstream_hooks.InboundHook.as_view()),
    path("", include("ops.urls")),
    path("", include("api.urls")),
    path("", include("config.dashboard")),
]

# JSON for machines (API paths, methods other than GET), Django's pages for browsers.
handler404 = "api.routing.not_found"
handler500 = "api.routing.server_error"
