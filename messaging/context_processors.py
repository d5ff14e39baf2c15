"""Values every dashboard page shows: the unread replies counted in the navigation."""

from messaging.conversations import unread_count


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "team", None) is None:
        return {}
    return {"unread_count": unread_count(team=user.team, actor=user)}
