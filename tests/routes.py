"""Every URL pattern of the project, for the tests that walk them all (the isolation matrix, CSRF, the
API routing and schema, the CSV exports, the page layout): a new route joins those tests by itself."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) of every pattern under `resolver` (the project's by default), the route written
    out from that resolver's root as `path()` wrote it, e.g. `api/rest/v1/messages/<str:message_id>`."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry
