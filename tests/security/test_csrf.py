"""Every dashboard page that takes a POST refuses one without a CSRF token (and the login page too)."""

import re

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.routes import url_patterns

pytestmark = pytest.mark.django_db
API_PREFIXES = ("api", "raven/", "v1/", "hooks/", "admin/")


def page_routes():
    for route, pattern in url_patterns():
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and not route.startswith(API_PREFIXES) and hasattr(view, "post"):
            yield route


def test_posts_without_a_csrf_token_are_refused():
    user = UserFactory(credits=10)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    routes = list(page_routes())
    assert len(routes) >= 10, routes
    for route in routes:
        url = "/" + re.sub(
            r"<(\w+:)?\w+>", lambda m: "00000000-0000-0000-0000-000000000001" if m.group(1) == "uuid:" else "1", route
        )
        response = client.post(url, {"anything": "1"})
        assert response.status_code == 403, f"POST {url} without a CSRF token -> {response.status_code}"
    assert (
        Client(enforce_csrf_checks=True).post("/login/", {"username": user.email, "password": "x"}).status_code == 403
    )
