"""Optional error reporting to Sentry (sentry-sdk), on when SENTRY_DSN is set. No secret leaves:
`scrub_event` (before_send) masks credential parameters in URLs and query strings, drops credential
headers and cookies, and blanks request bodies and local variables (sentry-sdk sends no personal data by default)."""

from typing import Any

from core.logsecrets import MASK, SECRET_HEADERS, SECRET_PARAMETERS, mask_secrets

SECRET_NAMES = frozenset(
    {*SECRET_PARAMETERS, *SECRET_HEADERS, "x-hooks-secret", "email", "signing_secret", "secret", "key"}
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: MASK if str(k).lower() in SECRET_NAMES else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """before_send: the event with every secret masked (also for transactions and breadcrumbs)."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        if "data" in request:
            request["data"] = MASK  # bodies carry passwords, PINs and message texts
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)  # local variables may hold a key or a PIN
    return _scrub(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return _scrub(crumb)


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Start sentry-sdk (nothing when `dsn` is empty)."""
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )
