"""Every write to accounts goes through these functions: pages, API dialects, admin and tasks alike."""

from .credits import credit_adjust, credit_charge, credit_refund, credit_top_up, credit_transfer
from .keys import api_key_create, api_key_regenerate, api_key_revoke
from .teams import team_create, team_set_active, team_settings_problems, team_signing_secret_rotate, team_update
from .users import user_create, user_update

__all__ = [
    "api_key_create",
    "api_key_regenerate",
    "api_key_revoke",
    "credit_adjust",
    "credit_charge",
    "credit_refund",
    "credit_top_up",
    "credit_transfer",
    "team_create",
    "team_set_active",
    "team_settings_problems",
    "team_signing_secret_rotate",
    "team_update",
    "user_create",
    "user_update",
]
