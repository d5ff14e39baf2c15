"""Sentry gets errors without secrets: the before_send scrubber, and an event captured for real."""

import sentry_sdk

from ops.sentry import scrub_breadcrumb, scrub_event, sentry_init

KEY, PIN, PASSWORD = "sk_live_keysecret", "913377", "pw-secret-1"


def an_event() -> dict:
    return {
        "request": {
            "url": f"https://sms.example.com/api/rest/v1/sms/send-url/{KEY}",
            "query_string": f"api_token={KEY}&pin={PIN}&receiver=372",
            "headers": {"Authorization": f"Bearer {KEY}", "X-Api-Key": KEY, "Token": KEY, "User-Agent": "curl"},
            "cookies": {"sessionid": "sess-secret"},
            "data": {"_password": PASSWORD, "pin": PIN},
        },
        "exception": {"values": [{"stacktrace": {"frames": [{"function": "pin_verify", "vars": {"pin": PIN}}]}}]},
        "message": f"failed GET /api?api_key={KEY}",
        "extra": {"password": PASSWORD},
    }


def test_the_scrubber_leaves_no_key_pin_password_or_session():
    scrubbed = str(scrub_event(an_event()))
    for secret in (KEY, PIN, PASSWORD, "sess-secret"):
        assert secret not in scrubbed, secret
    assert "curl" in scrubbed and "pin_verify" in scrubbed  # what helps debugging stays


def test_breadcrumbs_are_scrubbed():
    crumb = scrub_breadcrumb({"category": "httplib", "data": {"url": f"https://x.test/cb?token={KEY}"}})
    assert KEY not in str(crumb)


def test_an_error_reported_to_sentry_carries_no_secret():
    sent = []

    class Transport(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            sent.append(envelope.serialize().decode())

    sentry_init(dsn="https://public@sentry.example.com/1", environment="test", traces_sample_rate=0.0)
    client = sentry_sdk.get_client()
    client.transport = Transport(client.options)
    try:
        try:
            pin = PIN  # noqa: F841 (a local variable that must not be sent)
            raise ValueError(f"bad request /api?api_token={KEY}")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
    assert sent and "ValueError" in sent[0]
    assert KEY not in sent[0] and PIN not in sent[0]
