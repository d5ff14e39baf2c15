"""Teams and their settings."""

import zoneinfo

import phonenumbers
from django.conf import settings
from django.db import transaction

from accounts.models import Role, Team, User, new_signing_secret
from accounts.permissions import Action, require
from core.errors import ValidationFailed

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


def _check_team_fields(fields: dict[str, object]) -> None:
    country = fields.get("default_country")
    if country is not None and (not isinstance(country, str) or country.upper() not in phonenumbers.SUPPORTED_REGIONS):
        raise ValidationFailed("Unknown country code.", field="default_country")
    zone = fields.get("time_zone")
    if zone is not None and zone not in zoneinfo.available_timezones():
        raise ValidationFailed("Unknown time zone.", field="time_zone")


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
    team.is_active = active
    return team
