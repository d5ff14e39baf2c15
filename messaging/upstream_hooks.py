"""Inbound from HTTP upstreams (the other direction from messaging/callbacks/): delivery reports
and inbound messages POSTed by a gateway that speaks HTTP. Authenticated by the shared secret
`SMS_HOOKS_SECRET` in the `X-Hooks-Secret` header
(compared in constant time); without a configured secret the hooks are off (404).

    POST /hooks/dlr      {"reports": [{"part_id": "...", "state": "DELIVRD", "at": "ISO 8601", "error": ""}]}
    POST /hooks/inbound  {"messages": [{"from": "+372...", "to": "...", "text": "...", "at": "ISO 8601"}]}
"""

import hmac
import json
from datetime import datetime

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from messaging.gateways.base import REPORT_STATES, DeliveryReport, InboundSms
from messaging.services.reports import EngineSink

MAX_ITEMS = 1000


def _when(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return timezone.now()
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class HookView(View):
    key = ""

    @classmethod
    def as_view(cls, **kwargs):
        return csrf_exempt(super().as_view(**kwargs))  # a machine-to-machine endpoint with its own secret

    def post(self, request):
        secret = settings.SMS_HOOKS_SECRET
        if not secret:
            raise Http404
        given = request.headers.get("X-Hooks-Secret", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JsonResponse({"error": "Unauthorized."}, status=401)
        try:
            items = json.loads(request.body or b"{}").get(self.key, [])
        except (ValueError, AttributeError):
            return JsonResponse({"error": "The body must be a JSON object."}, status=400)
        if not isinstance(items, list) or len(items) > MAX_ITEMS or not all(isinstance(i, dict) for i in items):
            return JsonResponse({"error": f"'{self.key}' must be a list of at most {MAX_ITEMS} objects."}, status=400)
        return JsonResponse({"accepted": self.accept(items)})

    def accept(self, items: list[dict]) -> int:
        raise NotImplementedError


class ReportHook(HookView):
    key = "reports"

    def accept(self, items):
        reports = [
            DeliveryReport(
                part_id=str(i.get("part_id", ""))[:100],
                state=str(i.get("state", "")).upper(),
                at=_when(i.get("at")),
                error=str(i.get("error", ""))[:255],
            )
            for i in items
            if str(i.get("state", "")).upper() in REPORT_STATES and i.get("part_id")
        ]
        EngineSink().reports(reports)
        return len(reports)


class InboundHook(HookView):
    key = "messages"

    def accept(self, items):
        messages = [
            InboundSms(
                sender=str(i.get("from", ""))[:20],
                to=str(i.get("to", ""))[:20],
                text=str(i.get("text", ""))[:1600],
                at=_when(i.get("at")),
            )
            for i in items
            if i.get("from")
        ]
        EngineSink().inbound(messages)
        return len(messages)
