"""Every dialect's URLs; see the README's API map."""

from django.urls import include
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from .http_message import views as http_message
from .messenger import blacklist as messenger_blacklist
from .messenger import sms as messenger_sms
from .messenger.base import MessengerView
from .raven import views as raven
from .rest_v1.base import RestV1View
from .routing import path, unknown_under
from .sms_api import docs as sms_api_docs
from .sms_api import keys as sms_api_keys
from .sms_api import send as sms_api_send
from .sms_api.base import SmsApiView

urlpatterns = [
    # Seed 000: SMS API V2, Personal API, Blacklist (2FA lives in otp)
    path("api", messenger_sms.SendApi.as_view()),
    path("api/", messenger_sms.SendApi.as_view()),
    path("api/personal", messenger_sms.PersonalApi.as_view()),
    path("api/blacklist", messenger_blacklist.BlacklistApi.as_view()),
    path("api/blacklist/create", messenger_blacklist.BlacklistCreateApi.as_view()),
    path("api/blacklist/delete/<str:entry_id>", messenger_blacklist.BlacklistDeleteApi.as_view()),
    path("", include("api.messenger.twofa_urls")),
    # Seed 001: REST API v1
    path("api/rest/v1/", include("api.rest_v1.urls")),
    # Seed 002: HTTP API message
    path("api/message", http_message.MessageApi.as_view()),
    # Seed 003: Outbound SMS
    path("raven/v2/messages", raven.MessagesApi.as_view()),
    path("raven/v2/messages/<str:message_id>", raven.MessageStatusApi.as_view()),
    path("raven/v3/messages/batch", raven.BatchApi.as_view()),
    # Seed 004: SMS API
    path("v1/sms/send", sms_api_send.SendV1Api.as_view()),
    path("api/v2/sms/send", sms_api_send.SendV2Api.as_view()),
    path("api/v2/account/balance", sms_api_keys.BalanceApi.as_view()),
    path("api/generate-key", sms_api_keys.GenerateKeyApi.as_view()),
    path("api/revoke-key", sms_api_keys.RevokeKeyApi.as_view()),
    path("api/regenerate-key", sms_api_keys.RegenerateKeyApi.as_view()),
    # OpenAPI documentation, served locally
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v2", sms_api_docs.SwaggerPage.as_view(url_name="schema")),
    path("api/oauth2-callback", sms_api_docs.OAuth2CallbackPage.as_view()),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Anything else under an API prefix: 404 in the dialect's shape (most specific prefix first).
    unknown_under("api/rest/v1", RestV1View),
    unknown_under("api/v2", SmsApiView),
    unknown_under("v1", SmsApiView),
    unknown_under("raven", raven.RavenView),
    unknown_under("api", MessengerView),
]
