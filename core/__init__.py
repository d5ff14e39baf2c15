"""Shared pieces every app imports and that import no app: errors with codes, number parsing, locks,
the COPY helper, CSV escaping, the collector pause, the form helper of pages, and the two format rules
that team settings share with sending: sender ids (`senders`) and callback URLs that are safe to call (`safe_urls`)."""
