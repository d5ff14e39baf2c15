"""The dashboard's Content-Security-Policy: everything from this server, nothing inline."""

import re
from pathlib import Path

import pytest

from tests.factories import UserFactory
from tests.served import served_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# drf-spectacular's Swagger UI and ReDoc pages live under /api/, which the policy leaves out.
OUTSIDE_THE_POLICY = {"drf_spectacular"}


@pytest.mark.django_db
def test_dashboard_pages_carry_the_policy(client):
    client.force_login(UserFactory())
    for url in ("/login/", "/", "/send/", "/contacts/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy


def test_the_api_and_admin_are_left_out(client):
    assert "Content-Security-Policy" not in client.get("/api/docs/")
    assert "Content-Security-Policy" not in client.get("/admin/login/")


@pytest.mark.django_db
def test_as_served_pages_carry_the_policy_and_no_api_answer_does():
    """Through the production handler (config/handler.py), whose API chain has no CSP middleware: the
    policy is for the dashboard's documents, not JSON answers or the API's docs (it cost every API
    request a policy built and thrown away)."""
    with served_app() as served:
        assert "'self'" in served("GET", "/login/")[1]["Content-Security-Policy"]
        for path in ("/api/docs/", "/api/rest/v1/unknown", "/raven/unknown", "/v1/unknown", "/hooks/unknown"):
            assert "Content-Security-Policy" not in served("GET", path)[1], path


def test_no_template_has_an_inline_script_handler_or_style():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.IGNORECASE)
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in OUTSIDE_THE_POLICY
        for match in inline.finditer(path.read_text())
    ]
    assert found == []
