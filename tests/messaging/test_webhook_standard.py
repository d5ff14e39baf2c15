"""Callbacks carry Standard Webhooks signatures that the `standardwebhooks` library verifies, next to
the X-Webhook-* headers teams already check."""

from unittest import mock

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from messaging.callbacks.delivery import callback_attempt
from messaging.callbacks.standard_webhooks import standard_webhooks_secret
from messaging.callbacks.webhooks import DeliveryOutcome, verify
from messaging.models import Callback
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def delivered_headers(callback: Callback) -> dict[str, str]:
    ok = DeliveryOutcome(ok=True, status_code=200, error="", elapsed_ms=1, response_excerpt="")
    with mock.patch("messaging.callbacks.delivery.deliver", return_value=ok) as deliver:
        assert callback_attempt(callback_id=callback.pk) is None
    return deliver.call_args.kwargs["headers"]


@pytest.fixture
def callback():
    user = UserFactory()
    return Callback.objects.create(
        team=user.team,
        kind="status_json",
        url="https://example.com/cb",
        method="POST",
        body='{"status": "DELIVRD", "text": "Grüße"}',
        content_type="application/json",
        next_attempt_at=timezone.now(),
    )


def test_the_standard_webhooks_library_verifies_our_callback(callback):
    headers = delivered_headers(callback)
    body = callback.body.encode()
    customer = Webhook(standard_webhooks_secret(callback.team.signing_secret))
    assert customer.verify(body, headers) == {"status": "DELIVRD", "text": "Grüße"}
    assert headers["webhook-id"] == str(callback.webhook_id)
    assert headers["webhook-signature"].startswith("v1,")
    # Today's headers stay, for teams that check them.
    assert verify(secret=callback.team.signing_secret, headers=headers, body=body)


def test_the_library_refuses_another_secret_or_a_changed_body(callback):
    headers = delivered_headers(callback)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_webhooks_secret("another secret")).verify(callback.body.encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_webhooks_secret(callback.team.signing_secret)).verify(b'{"status": "FAILED"}', headers)
