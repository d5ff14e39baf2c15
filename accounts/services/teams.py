"""Teams and their settings."""

import zoneinfo

import phonenumbers
from django.conf import settings
from django.db import transaction

from accounts.models import Role, Team, User, new_signing_secret
from accounts.permissions import Action, require
from core import generations
from core.errors import ManyProblems, ValidationFailed
from core.safe_urls import UnsafeUrl, check_saved_url
from core.senders import clean_sender

from .credits import credit_top_up, is_zero_amount

SETTINGS_FIELDS = (
    "name",
    "default_country",
    "time_zone",
    "low_balance_threshold",
    "default_sender",
    "skip_blacklisted",
    "dlr_url",
    "reply_url",
)


def team_settings_problems(fields: dict) -> list[tuple[str, str]]:
    """Every rule the given settings break, as (field, message): the sender by the sending rules
    (core.senders), callback URLs by the callback rules (core.safe_urls), amounts >= 0."""
    problems: list[tuple[str, str]] = []
    country = fields.get("default_country")
    if country is not None and str(country).upper() not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(("default_country", "Unknown country code."))
    zone = fields.get("time_zone")
    if zone is not None and zone not in zoneinfo.available_timezones():
        problems.append(("time_zone", "Unknown time zone."))
    if fields.get("default_sender"):
        try:
            clean_sender(fields["default_sender"], field="default_sender")
        except ValidationFailed as exc:
            problems.append(("default_sender", exc.message))
    threshold = fields.get("low_balance_threshold")
    if threshold is not None and threshold < 0:
        problems.append(("low_balance_threshold", "The low-balance threshold cannot be negative."))
    for name in ("dlr_url", "reply_url"):
        if fields.get(name):
            try:
                check_saved_url(fields[name], allow_private=settings.SMS_CALLBACKS_ALLOW_PRIVATE)
            except UnsafeUrl as exc:
                problems.append((name, str(exc)))
    return problems


def _check_team_fields(fields: dict) -> None:
    problems = team_settings_problems(fields)
    if problems:
        raise ManyProblems(problems)


@transaction.atomic
def team_create(
    *,
    name: str,
    owner_email: str,
    owner_password: str,
    credits: object = 0,
    actor: User | None = None,
    default_country: str | None = None,
    time_zone: str = "UTC",
) -> Team:
    """A team with its owner; starting credits are a ledger top-up."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("The team name is required (at most 200 characters).", field="name")
    country = (default_country or settings.SMS_DEFAULT_COUNTRY).upper()
    _check_team_fields({"default_country": country, "time_zone": time_zone})
    if User.objects.filter(email__iexact=owner_email).exists():
        raise ValidationFailed("The email has already been taken.", field="email")
    team = Team.objects.create(name=name, default_country=country, time_zone=time_zone)
    owner = User.objects.create_user(owner_email, owner_password, team=team, role=Role.OWNER)
    if not is_zero_amount(credits):
        credit_top_up(user=owner, amount=credits, actor=actor, memo="Opening balance")
    return team


def team_update(*, team: Team, actor: User, **fields: object) -> Team:
    """Change team settings (owners and admins)."""
    require(actor, Action.TEAM_SETTINGS, team=team)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown setting: {', '.join(sorted(unknown))}.")
    _check_team_fields(fields)
    for name, value in fields.items():
        setattr(team, name, value.upper() if name == "default_country" and isinstance(value, str) else value)
    team.save(update_fields=list(fields))
    return team


def team_signing_secret_rotate(*, team: Team, actor: User) -> Team:
    """A new key for the callbacks' HMAC signature (owners and admins)."""
    require(actor, Action.TEAM_SETTINGS, team=team)
    team.signing_secret = new_signing_secret()
    team.save(update_fields=["signing_secret"])
    return team


def team_set_active(*, team: Team, actor: User, active: bool) -> Team:
    """Support staff switch a team off (its logins and API keys stop working) or on again."""
    require(actor, Action.TEAM_ACTIVATE)
    Team.objects.filter(pk=team.pk).update(is_active=active)
    generations.bump()  # the API's cached credentials of every web process
    team.is_active = active
    return team
