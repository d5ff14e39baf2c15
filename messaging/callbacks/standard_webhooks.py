"""Standard Webhooks signatures (https://www.standardwebhooks.com) on every callback, through the
`standardwebhooks` library, so a customer verifies with any language's Standard Webhooks library.

The key is the team's signing secret (its bytes), the same key as the X-Webhook-Signature header's,
over the same `<id>.<timestamp>.<body>`: only the encoding differs (base64 here, hex there). A
customer's Standard Webhooks secret is `whsec_` + base64 of the signing secret
(`standard_webhooks_secret`)."""

import base64
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def standard_webhooks_secret(signing_secret: str) -> str:
    """The team's signing secret as a Standard Webhooks library takes it (`whsec_...`)."""
    return "whsec_" + base64.b64encode(signing_secret.encode()).decode()


def standard_headers(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64>`) for one delivery."""
    signature = Webhook(secret.encode()).sign(
        msg_id=webhook_id, timestamp=datetime.fromtimestamp(timestamp, tz=UTC), data=body.decode()
    )
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
