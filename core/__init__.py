"""Shared pieces every app imports and that import no app: errors with codes, number parsing, locks,
the COPY helper, CSV escaping, the collector pause and the form helper of pages."""
