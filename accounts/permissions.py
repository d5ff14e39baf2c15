"""Who in a team may do what: the one role matrix every dialect, page, admin action and service asks.

A rule names an action, the actor's role and the *relation* of the target user to the actor:
`SELF`, or the target's role (`member`, `admin`, `owner`); `TEAM` for actions on the team itself.
An object (message, batch, ledger row, key) is judged by the user it belongs to.

- Owners may do everything in their team.
- Admins may do everything except act on an owner's account: they read owners' messages,
  statistics and balances, cancel owners' messages, but never move an owner's credits, edit,
  demote or deactivate an owner, nor make anyone an owner.
- Members act on themselves only: their messages and batches, their balance and statistics,
  their profile. They may give their own credits to anyone in the team.
- API keys belong to one person: each user manages their own, nobody another's (to cut someone
  off, a manager deactivates the user, which stops every key of theirs).
- Contacts, groups, templates and the blacklist are the team's shared address book: every role
  reads and changes them (no rule here). Sending spends the sender's own balance.
- Support staff (`is_staff`, no team) do the support actions in the Django admin: top-ups,
  adjustments, refunds, switching a team off or on, and a team's settings.

Refusals raise `PermissionDenied` (code `forbidden`): 403 in each dialect's shape, 403 on a page.
Reads outside the actor's scope are filtered out by `scope()`, so asking for such an object by id
is "not found", exactly as for another team's.
"""

from enum import StrEnum

from django.db.models import Q, QuerySet

from accounts.models import Role, Team, User
from core.errors import ErrorCode, Forbidden

SELF = "self"
TEAM = "team"


class Action(StrEnum):
    MESSAGE_READ = "message.read"  # messages, replies, batches (and their read/unread mark)
    MESSAGE_CANCEL = "message.cancel"  # delete or cancel a message, cancel a batch
    CREDIT_TRANSFER = "credit.transfer"  # take the target's credits (to anyone active in the team)
    BALANCE_READ = "balance.read"  # a user's record and balance, their ledger rows
    STATISTICS_READ = "statistics.read"
    USER_CREATE = "user.create"  # target: TEAM
    USER_MANAGE = "user.manage"  # another user's profile, password, role, activity; the roles one may give
    API_KEY_MANAGE = "api_key.manage"  # create, list, revoke, regenerate
    TEAM_SETTINGS = "team.settings"  # team and developer settings, signing secret, 2FA policy; target: TEAM
    # Support staff only (the Django admin):
    CREDIT_TOP_UP = "credit.top_up"  # top-ups and adjustments
    MESSAGE_REFUND = "message.refund"
    TEAM_ACTIVATE = "team.activate"


ALL = frozenset({SELF, Role.MEMBER, Role.ADMIN, Role.OWNER})
NOT_OWNER = frozenset({SELF, Role.MEMBER, Role.ADMIN})
ONLY_SELF = frozenset({SELF})
NOBODY: frozenset[str] = frozenset()

# RULES[action][actor role] = the relations the actor may act on.
RULES: dict[Action, dict[str, frozenset[str]]] = {
    Action.MESSAGE_READ: {Role.OWNER: ALL, Role.ADMIN: ALL, Role.MEMBER: ONLY_SELF},
    Action.MESSAGE_CANCEL: {Role.OWNER: ALL, Role.ADMIN: ALL, Role.MEMBER: ONLY_SELF},
    Action.CREDIT_TRANSFER: {Role.OWNER: ALL, Role.ADMIN: NOT_OWNER, Role.MEMBER: ONLY_SELF},
    Action.BALANCE_READ: {Role.OWNER: ALL, Role.ADMIN: ALL, Role.MEMBER: ONLY_SELF},
    Action.STATISTICS_READ: {Role.OWNER: ALL, Role.ADMIN: ALL, Role.MEMBER: ONLY_SELF},
    Action.USER_CREATE: {Role.OWNER: frozenset({TEAM}), Role.ADMIN: frozenset({TEAM}), Role.MEMBER: NOBODY},
    # SELF is left out on purpose: one's own profile is always editable, one's own role and activity never.
    Action.USER_MANAGE: {
        Role.OWNER: frozenset({Role.MEMBER, Role.ADMIN, Role.OWNER}),
        Role.ADMIN: frozenset({Role.MEMBER, Role.ADMIN}),
        Role.MEMBER: NOBODY,
    },
    Action.API_KEY_MANAGE: {Role.OWNER: ONLY_SELF, Role.ADMIN: ONLY_SELF, Role.MEMBER: ONLY_SELF},
    Action.TEAM_SETTINGS: {Role.OWNER: frozenset({TEAM}), Role.ADMIN: frozenset({TEAM}), Role.MEMBER: NOBODY},
}
SUPPORT_ACTIONS = frozenset({Action.CREDIT_TOP_UP, Action.MESSAGE_REFUND, Action.TEAM_ACTIVATE})
STAFF_TEAM_ACTIONS = frozenset({Action.TEAM_SETTINGS})  # support staff may also do these for any team

REFUSALS: dict[Action, str] = {
    Action.MESSAGE_READ: "You may only see your own messages.",
    Action.MESSAGE_CANCEL: "You may only delete or cancel your own messages.",
    Action.CREDIT_TRANSFER: "You may only move your own credits.",
    Action.BALANCE_READ: "You may only see your own account.",
    Action.STATISTICS_READ: "You may only see your own statistics.",
    Action.USER_CREATE: "Only owners and admins can manage users.",
    Action.USER_MANAGE: "Only owners and admins can manage users, and only an owner can change an owner.",
    Action.API_KEY_MANAGE: "You may only manage your own API keys.",
    Action.TEAM_SETTINGS: "Only owners and admins can change team settings.",
    Action.CREDIT_TOP_UP: "Only support staff can top up or adjust credits.",
    Action.MESSAGE_REFUND: "Only support staff can refund messages.",
    Action.TEAM_ACTIVATE: "Only support staff can deactivate a team.",
}


class PermissionDenied(Forbidden):
    """The role matrix said no. `action` names the rule."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, action: Action, *, field: str | None = None, message: str | None = None) -> None:
        super().__init__(message or REFUSALS[action], field=field)
        self.action = action


def relation(*, actor: User, target: User | None) -> str | None:
    """SELF, the target's role, TEAM for no target; None when the target is outside the actor's team."""
    if target is None:
        return TEAM
    if actor.team_id is None or target.team_id != actor.team_id:
        return None
    return SELF if target.pk == actor.pk else target.role


def can(actor: User | None, action: Action, *, target: User | None = None, team: Team | None = None) -> bool:
    """May `actor` do `action` on `target` (a user, or the owner of the object), or on `team`?"""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if action in SUPPORT_ACTIONS:
        return bool(actor.is_staff)
    if action in STAFF_TEAM_ACTIONS and actor.is_staff and actor.team_id is None:
        return True
    if team is not None and team.pk != actor.team_id:
        return False
    rel = relation(actor=actor, target=target)
    return rel is not None and rel in RULES[action].get(actor.role, NOBODY)


def require(
    actor: User | None, action: Action, *, target: User | None = None, team: Team | None = None, field: str = ""
) -> None:
    """`can`, or PermissionDenied."""
    if not can(actor, action, target=target, team=team):
        raise PermissionDenied(action, field=field or None)


def team_of(actor: User) -> Team:
    """The team an operator acts in. Support staff without a team have none: refused, as every page
    and API credential already refuses them, rather than failing on `None`."""
    if actor.team is None:
        raise Forbidden("You belong to no team.")
    return actor.team


def role_grantable(*, actor: User, role: str) -> bool:
    """May the actor give this role (to a new user or by a change)? The roles one may manage."""
    return role in Role.values and role in RULES[Action.USER_MANAGE].get(actor.role, NOBODY)


def sees_everyone(*, actor: User, action: Action) -> bool:
    """True when the actor may `action` every user of the team (so team-wide totals are theirs to see)."""
    allowed = RULES[action].get(actor.role, NOBODY)
    return all(role in allowed for role in Role.values)


def scope(queryset: QuerySet, *, actor: User, action: Action, user_field: str = "user") -> QuerySet:
    """The rows of `queryset` (already limited to the actor's team) whose user (`user_field`; "" when
    the rows are users) the actor may `action`: all of them, their own plus some roles, or their own."""
    if sees_everyone(actor=actor, action=action):
        return queryset
    allowed = RULES[action].get(actor.role, NOBODY)
    pk_field, role_field = (f"{user_field}_id", f"{user_field}__role__in") if user_field else ("pk", "role__in")
    condition = Q(**{pk_field: actor.pk}) if SELF in allowed else Q(pk__in=[])
    roles = [r for r in Role.values if r in allowed]
    if roles:
        condition |= Q(**{role_field: roles})
    return queryset.filter(condition)
