"""Secrets never reach a log line: the masking shared by Django's loggers (a logging filter, set on
every handler in settings.LOGGING, including the development server's request lines) and by
gunicorn's access log (config/gunicorn.py).

Masked: the values of the credential parameters in query strings (`api_token`, `token`, `api_key`,
`pin`, `password`, `_password`), the URL-sending token in `sms/send-url/{token}`, and the values of
credential headers in gunicorn's `%({header}i)s` atoms."""

import logging
import re

MASK = "***"
SECRET_PARAMETERS = ("api_token", "token", "api_key", "pin", "password", "_password")
SECRET_HEADERS = ("authorization", "x-api-key", "token", "cookie")

_NAMES = "|".join(re.escape(name).replace("_", "(?:_|%5[fF])") for name in SECRET_PARAMETERS)
# A parameter at the start of a query (after ? or &, or at the very start of a bare query string).
_PARAMETER = re.compile(rf"(^|[?&;])((?:{_NAMES})=)[^&;\s\"']*", re.IGNORECASE)
_URL_TOKEN = re.compile(r"(/sms/send-url/)[^/?#\s\"']+", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    if not text:
        return text
    text = _URL_TOKEN.sub(rf"\g<1>{MASK}", text)
    return _PARAMETER.sub(rf"\g<1>\g<2>{MASK}", text)


class MaskSecretsFilter(logging.Filter):
    """Rewrites a record whose message holds a secret; every record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format is the logging module's to report, not ours
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
