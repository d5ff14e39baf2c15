"""The two documentation pages of seed 004: `GET api/v2` (Swagger UI) and `GET api/oauth2-callback`,
with the headers the seed shows on them (`cache-control: no-cache, private`,
`access-control-allow-origin: *`).

`GET api/v2` from a client that accepts JSON and not HTML (the seed's example sends
`Accept: application/json` and reads the answer with `response.json()`) gets the OpenAPI schema as
JSON; a browser gets the Swagger UI page."""

from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from .base import preflight, with_documented_headers

OAUTH2_REDIRECT_JS = "drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.js"


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept


class SwaggerPage(SpectacularSwaggerView):
    schema = None  # a page, not an operation

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # never 406: see get()

    def options(self, request, *args, **kwargs):
        return preflight(["GET", "HEAD", "OPTIONS"])

    def get(self, request, *args, **kwargs):
        if _wants_json(request):
            schema = SpectacularJSONAPIView.as_view()(request._request)
            schema.render()
            return HttpResponse(schema.content, content_type=schema["Content-Type"])
        return super().get(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        return with_documented_headers(super().finalize_response(request, response, *args, **kwargs))


@method_decorator(csrf_exempt, name="dispatch")  # reads nothing; another method is a 405, not a CSRF refusal
class OAuth2CallbackPage(View):
    """The seed's page: 200 HTML running Swagger UI's oauth2-redirect script (from this server)."""

    def get(self, request):
        html = (
            '<!doctype html>\n<html lang="en-US">\n<body>\n'
            f'<script src="{static(OAUTH2_REDIRECT_JS)}"></script>\n'
            "</body>\n</html>\n"
        )
        return with_documented_headers(HttpResponse(html, content_type="text/html; charset=UTF-8"))

    def options(self, request):
        return preflight(["GET", "HEAD", "OPTIONS"])
