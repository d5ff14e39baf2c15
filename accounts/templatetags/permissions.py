"""`{% if user|may:"team.settings" %}`: templates ask the role matrix, never compare roles."""

from django import template

from accounts.permissions import Action, can

register = template.Library()


@register.filter
def may(user, action: str) -> bool:
    return can(user, Action(action))
