"""Every dialect's URLs; see ../shared/API_MAP.md and the README's API map."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerOauthRedirectView,
    SpectacularSwaggerView,
)

from .sms_api import keys as sms_api_keys

urlpatterns = [
    path("api/rest/v1/", include("api.rest_v1.urls")),
    path("api/v2/account/balance", sms_api_keys.BalanceApi.as_view()),
    path("api/generate-key", sms_api_keys.GenerateKeyApi.as_view()),
    path("api/revoke-key", sms_api_keys.RevokeKeyApi.as_view()),
    path("api/regenerate-key", sms_api_keys.RegenerateKeyApi.as_view()),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v2", SpectacularSwaggerView.as_view(url_name="schema")),
    path("api/oauth2-callback", SpectacularSwaggerOauthRedirectView.as_view()),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
