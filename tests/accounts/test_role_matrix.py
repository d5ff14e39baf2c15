"""The role matrix (accounts/permissions.py), every cell: the rule itself, then each cell through the
API dialects and through the dashboard, each refusal in that place's shape.

Cells are (actor role, action, target); the target is the actor (`own`) or another user of the team
with that role (`member`, `admin`, `owner`). The expected answers are written out here by hand, not
read from the rules, so a change to the rules shows up as a failing cell."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import ApiKey, Role, User
from accounts.permissions import Action, PermissionDenied, can
from messaging.models import Batch, DailyCount, Direction, Message, Status
from messaging.services import Recipient, message_send
from tests.factories import UserFactory, issue_key

pytestmark = pytest.mark.django_db
REST = "/api/rest/v1"
ROLES = ["owner", "admin", "member"]
TARGETS = ["own", "member", "admin", "owner"]
CELLS = [(role, target) for role in ROLES for target in TARGETS]

Y, N = True, False
# EXPECTED[action][actor role] = allowed on (own, another member, another admin, another owner)
EXPECTED = {
    "read_messages": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y), "member": (Y, N, N, N)},
    "cancel_messages": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y), "member": (Y, N, N, N)},
    "take_credits": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, N), "member": (Y, N, N, N)},
    "see_balance": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y), "member": (Y, N, N, N)},
    "see_statistics": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y), "member": (Y, N, N, N)},
    # own: one's own profile (name, contact, password); others: profile, role, activity
    "edit_user": {"owner": (Y, Y, Y, Y), "admin": (Y, Y, Y, N), "member": (Y, N, N, N)},
    "manage_keys": {"owner": (Y, N, N, N), "admin": (Y, N, N, N), "member": (Y, N, N, N)},
}
# Team-level actions: allowed per actor role.
TEAM_EXPECTED = {
    "create_users": {"owner": Y, "admin": Y, "member": N},
    "team_settings": {"owner": Y, "admin": Y, "member": N},
}
ACTIONS = {
    "read_messages": Action.MESSAGE_READ,
    "cancel_messages": Action.MESSAGE_CANCEL,
    "take_credits": Action.CREDIT_TRANSFER,
    "see_balance": Action.BALANCE_READ,
    "see_statistics": Action.STATISTICS_READ,
    "manage_keys": Action.API_KEY_MANAGE,
    "create_users": Action.USER_CREATE,
    "team_settings": Action.TEAM_SETTINGS,
}


def expected(action: str, role: str, target: str) -> bool:
    return EXPECTED[action][role][TARGETS.index(target)]


class Team:
    """Two users of each role in one team, each with credits, a scheduled (still queued) message in
    a batch of two, a single scheduled message, an API key and statistics of their own."""

    def __init__(self):
        first = UserFactory(credits=100, email="owner@t.test", role=Role.OWNER)
        self.team = first.team
        self.users: dict[str, list[User]] = {"owner": [first]}
        for role, emails in (
            ("owner", ["owner2@t.test"]),
            ("admin", ["admin@t.test", "admin2@t.test"]),
            ("member", ["member@t.test", "member2@t.test"]),
        ):
            for email in emails:
                self.users.setdefault(role, []).append(UserFactory(team=self.team, role=role, email=email, credits=100))
        self.keys = {u.pk: issue_key(u) for us in self.users.values() for u in us}
        later = timezone.now() + timedelta(days=1)
        self.message, self.batch = {}, {}
        for number, user in enumerate(self.everyone):
            single = message_send(
                actor=user, recipients=[Recipient(f"+3725555{number:04d}")], text="hi", scheduled_at=later, source="t"
            )
            batch = message_send(
                actor=user,
                recipients=[Recipient(f"+3725556{number:04d}"), Recipient(f"+3725557{number:04d}")],
                text="hi",
                scheduled_at=later,
                source="t",
            )
            self.message[user.pk] = single.messages[0]
            self.batch[user.pk] = batch.batch
            DailyCount.objects.create(
                team=self.team,
                user=user,
                day=timezone.localdate(),
                direction=Direction.OUT,
                status=Status.DELIVRD,
                count=10 ** (number + 1),  # a digit of its own per user: sums show who was counted
                credits=1,
            )
            user.refresh_from_db()

    @property
    def everyone(self) -> list[User]:
        return [u for us in self.users.values() for u in us]

    def actor(self, role: str) -> User:
        return self.users[role][0]

    def target(self, role: str, target: str) -> User:
        actor = self.actor(role)
        if target == "own":
            return actor
        return next(u for u in self.users[target] if u.pk != actor.pk)

    def rest(self, user: User) -> dict:
        return {"HTTP_EMAIL": user.email, "HTTP_TOKEN": self.keys[user.pk]}

    def balance(self, user: User) -> Decimal:
        return User.objects.get(pk=user.pk).balance


@pytest.fixture
def team():
    return Team()


def _rest_refusal(response, status: int) -> None:
    """The RestErrorDTO of seed 001."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == status and body["status"] in ("NOT_FOUND", "FORBIDDEN") and body["message"]


# ---- The rule itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "target"), CELLS)
@pytest.mark.parametrize("action", [a for a in EXPECTED if a in ACTIONS])
def test_rule(team, role, target, action):
    assert can(team.actor(role), ACTIONS[action], target=team.target(role, target)) == expected(action, role, target)


@pytest.mark.parametrize("role", ROLES)
def test_rule_for_managing_users(team, role):
    actor = team.actor(role)
    for target in TARGETS[1:]:
        assert can(actor, Action.USER_MANAGE, target=team.target(role, target)) == expected("edit_user", role, target)
    assert not can(actor, Action.USER_MANAGE, target=actor)  # one's own role and activity: never


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TEAM_EXPECTED))
def test_team_rule(team, role, action):
    assert can(team.actor(role), ACTIONS[action], team=team.team) == TEAM_EXPECTED[action][role]


@pytest.mark.parametrize("role", ROLES)
def test_nobody_acts_on_another_team(team, role):
    stranger = UserFactory()
    other_team = stranger.team
    for action in Action:
        assert not can(team.actor(role), action, target=stranger)
        assert not can(team.actor(role), action, team=other_team)


def test_support_actions_are_staff_only(team):
    staff = UserFactory(team=None, is_staff=True, email="support@platform.test")
    for action in (Action.CREDIT_TOP_UP, Action.MESSAGE_REFUND, Action.TEAM_ACTIVATE):
        assert can(staff, action)
        assert not any(can(team.actor(role), action) for role in ROLES)
    assert can(staff, Action.TEAM_SETTINGS, team=team.team)
    assert not can(staff, Action.MESSAGE_READ, target=team.actor("member"))


def test_a_team_service_refuses_support_staff_without_a_team(team):
    """Staff with no team have no team to act in: each service says "forbidden" (it used to fail on
    `None`, a 500 wherever a page or dialect let them through)."""
    from accounts.services import credit_transfer, user_update
    from messaging.services.stats import statistics_users

    staff = UserFactory(team=None, is_staff=True, email="support@platform.test")
    calls = [
        lambda: statistics_users(actor=staff),
        lambda: statistics_users(actor=staff, email=team.actor("member").email),
        lambda: user_update(actor=staff, user=staff, contact_number="+37255555555"),
        lambda: credit_transfer(actor=staff, from_email=staff.email, to_email=staff.email, amount=1),
    ]
    for call in calls:
        with pytest.raises(Exception) as refused:
            call()
        assert getattr(refused.value, "code", None) == "forbidden"


def test_an_inactive_user_may_do_nothing(team):
    owner = team.actor("owner")
    owner.is_active = False
    assert not any(can(owner, action, target=owner) for action in Action)


# ---- Through the API ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_read_messages(api, team, role, target):
    actor, owner_of = team.actor(role), team.target(role, target)
    message = team.message[owner_of.pk]
    rest = api.get(f"{REST}/messages/{message.uuid}", **team.rest(actor))
    raven = api.get(f"/raven/v2/messages/{message.uuid}", HTTP_AUTHORIZATION=f"Bearer {team.keys[actor.pk]}")
    listed = api.get(f"{REST}/messages/all", {"pageSize": 1000}, **team.rest(actor)).json()["webServiceMessages"]
    listed_ids = {m["messageId"] for m in listed}
    if expected("read_messages", role, target):
        assert rest.status_code == 200 and raven.status_code == 200
        assert str(message.uuid) in listed_ids
    else:
        _rest_refusal(rest, 404)
        assert raven.status_code == 404 and raven.json()["data"] is None and raven.json()["meta"]["explain"]
        assert str(message.uuid) not in listed_ids
    owners = {m.user_id for m in Message.objects.filter(uuid__in=listed_ids)}
    assert owners == ({actor.pk} if role == "member" else {u.pk for u in team.everyone})


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_delete_queued_message(api, team, role, target):
    actor, owner_of = team.actor(role), team.target(role, target)
    message, before = team.message[owner_of.pk], team.balance(owner_of)
    response = api.delete(f"{REST}/messages/{message.uuid}", **team.rest(actor))
    message.refresh_from_db()
    if expected("cancel_messages", role, target):
        assert response.status_code == 204
        assert message.status == Status.DELETED and message.is_deleted
        assert team.balance(owner_of) == before + message.price  # cancelled before sending: refunded
    else:
        _rest_refusal(response, 404)
        assert message.status == Status.QUEUE and not message.is_deleted
        assert team.balance(owner_of) == before


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_mark_read(api, team, role, target):
    actor, message = team.actor(role), team.message[team.target(role, target).pk]
    response = api.post(f"{REST}/messages/{message.uuid}/markRead", **team.rest(actor))
    message.refresh_from_db()
    if expected("read_messages", role, target):
        assert response.status_code == 200 and message.is_read
    else:
        _rest_refusal(response, 404)
        assert not message.is_read


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_transfer_from_target(api, team, role, target):
    actor, source = team.actor(role), team.target(role, target)
    receiver = team.users["member"][1] if source.pk != team.users["member"][1].pk else team.users["member"][0]
    before = team.balance(source)
    body = {"transferFromEmailAddress": source.email, "transferToEmailAddress": receiver.email}
    response = api.post(f"{REST}/account/transfer", body | {"numberOfCreditsToTransfer": 5}, **team.rest(actor))
    if expected("take_credits", role, target):
        assert response.status_code == 200, response.content
        assert response.json()["emailAddress"] == source.email
        assert team.balance(source) == before - 5
    else:
        _rest_refusal(response, 403)
        assert response.json()["errors"] == {"transferFromEmailAddress": [response.json()["message"]]}
        assert team.balance(source) == before


@pytest.mark.parametrize("role", ROLES)
def test_api_anyone_may_give_own_credits_to_the_owner(api, team, role):
    actor, owner = team.actor(role), team.users["owner"][1]
    body = {"transferFromEmailAddress": actor.email, "transferToEmailAddress": owner.email}
    response = api.post(f"{REST}/account/transfer", body | {"numberOfCreditsToTransfer": 1}, **team.rest(actor))
    assert response.status_code == 200


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_see_balance(api, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    one = api.get(f"{REST}/account/user/{other.pk}", **team.rest(actor))
    found = api.get(f"{REST}/account/user", {"searchEmail": other.email}, **team.rest(actor))
    assert found.status_code == 200
    if expected("see_balance", role, target):
        assert one.status_code == 200 and one.json()["creditBalance"] == float(team.balance(other))
        assert [u["userId"] for u in found.json()["webServiceUserList"]] == [other.pk]
    else:
        _rest_refusal(one, 404)
        assert found.json() == {"webServiceUserList": []}
    own = api.get(f"{REST}/account/balance", **team.rest(actor)).json()
    assert own == {"creditBalance": float(team.balance(actor))}


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_see_statistics(api, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    response = api.get(f"{REST}/account/statistics", {"userEmailAddress": other.email}, **team.rest(actor))
    if expected("see_statistics", role, target):
        assert response.status_code == 200
        assert [u["user"]["userId"] for u in response.json()["users"]] == [other.pk]
    else:
        _rest_refusal(response, 403)
    everyone = api.get(f"{REST}/account/statistics", **team.rest(actor)).json()["users"]
    shown = {u["user"]["userId"] for u in everyone}
    assert shown == ({actor.pk} if role == "member" else {u.pk for u in team.everyone})


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_api_edit_user(api, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    response = api.post(f"{REST}/account/user/{other.pk}", {"firstName": "Changed"}, **team.rest(actor))
    changed = User.objects.get(pk=other.pk).first_name == "Changed"
    if expected("edit_user", role, target):
        assert response.status_code == 200 and changed
    else:
        # A user one may not see is not found; one seen but not manageable (an admin and an owner) is forbidden.
        _rest_refusal(response, 404 if role == "member" else 403)
        assert not changed


@pytest.mark.parametrize("role", ROLES)
def test_api_create_user(api, team, role):
    body = {
        "password": "A-long-enough-pass-1",
        "emailAddress": "new@t.test",
        "firstName": "N",
        "lastName": "U",
        "contactNumber": "+37255555555",
    }
    response = api.put(f"{REST}/account/user", body, format="json", **team.rest(team.actor(role)))
    if TEAM_EXPECTED["create_users"][role]:
        assert response.status_code == 200
    else:
        _rest_refusal(response, 403)
        assert not User.objects.filter(email="new@t.test").exists()


@pytest.mark.parametrize("role", ROLES)
def test_api_own_keys(api, team, role):
    """Seed 004: every role makes, replaces and revokes its own keys (the only keys the API reaches)."""
    actor = team.actor(role)
    made = api.post("/api/generate-key", {"expiry_days": 3}, HTTP_X_API_KEY=team.keys[actor.pk])
    assert made.status_code == 201
    assert ApiKey.objects.get(prefix=made.json()["prefix"]).user_id == actor.pk
    revoked = api.post("/api/revoke-key", HTTP_X_API_KEY=made.json()["api_key"])
    assert revoked.status_code == 200


# ---- Through the dashboard ------------------------------------------------------------------------


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_read_messages_and_batches(browser, team, role, target):
    actor, owner_of = team.actor(role), team.target(role, target)
    client = browser(actor)
    message, batch = team.message[owner_of.pk], team.batch[owner_of.pk]
    page = client.get(f"/messages/{message.uuid}/")
    batch_page = client.get(f"/batches/{batch.pk}/")
    listed = {m.pk for m in client.get("/messages/").context["page"].object_list}
    batches = {b.pk for b, _ in client.get("/batches/").context["rows"]}
    if expected("read_messages", role, target):
        assert page.status_code == 200 and batch_page.status_code == 200
        assert message.pk in listed and batch.pk in batches
    else:
        assert page.status_code == 404 and batch_page.status_code == 404
        assert message.pk not in listed and batch.pk not in batches
    exported = client.get("/messages/export.csv")
    assert (str(message.uuid) in b"".join(exported.streaming_content).decode()) == expected(
        "read_messages", role, target
    )


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_delete_message_and_cancel_batch(browser, team, role, target):
    actor, owner_of = team.actor(role), team.target(role, target)
    client = browser(actor)
    message, batch, before = team.message[owner_of.pk], team.batch[owner_of.pk], team.balance(owner_of)
    deleted = client.post(f"/messages/{message.uuid}/", {"action": "delete"})
    cancelled = client.post(f"/batches/{batch.pk}/", {"confirmed": "yes"})
    message.refresh_from_db()
    statuses = set(Message.objects.filter(batch=batch).values_list("status", flat=True))
    if expected("cancel_messages", role, target):
        assert deleted.status_code == 302 and cancelled.status_code == 302
        assert message.status == Status.DELETED and statuses == {Status.DELETED}
        assert Batch.objects.get(pk=batch.pk).cancelled_at is not None
        assert team.balance(owner_of) == before + message.price + batch.cost
    else:
        assert deleted.status_code == 404 and cancelled.status_code == 404
        assert message.status == Status.QUEUE and statuses == {Status.QUEUE}
        assert team.balance(owner_of) == before


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_transfer_from_target(browser, team, role, target):
    actor, source = team.actor(role), team.target(role, target)
    receiver = team.users["member"][1] if source.pk != team.users["member"][1].pk else team.users["member"][0]
    before = team.balance(source)
    form = {"transfer": "1", "from_email": source.email, "to_email": receiver.email, "amount": "5"}
    response = browser(actor).post("/team/", form)
    if expected("take_credits", role, target):
        assert response.status_code == 302
        assert team.balance(source) == before - 5
    else:
        assert response.status_code == 200 and b"You may only move your own credits." in response.content
        assert team.balance(source) == before


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_see_balance(browser, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    page = browser(actor).get("/team/")
    rows = {u.pk: u.balance for u, _ in page.context["users"]}
    ledger = {e.user_id for e in page.context["entries"]}
    assert (other.pk in rows) == expected("see_balance", role, target)
    assert (other.pk in ledger) == expected("see_balance", role, target)
    overview = browser(actor).get("/").context
    assert overview["balance"] == team.balance(actor)
    team_total = sum(team.balance(u) for u in team.everyone)
    assert overview["team_balance"] == (None if role == "member" else team_total)


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_see_statistics(browser, team, role, target):
    """Each user has 10^n delivered messages today: the total shows whose were counted."""
    actor, other = team.actor(role), team.target(role, target)
    counts = {u.pk: 10 ** (i + 1) for i, u in enumerate(team.everyone)}
    for path in ("/statistics/", "/"):
        context = browser(actor).get(path).context
        total = dict(zip(context["statuses"], context["totals"], strict=True))["Delivered"]
        counted = total % (counts[other.pk] * 10) >= counts[other.pk]
        assert counted == expected("see_statistics", role, target), path


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_edit_user(browser, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    client = browser(actor)
    form = {"first_name": "Changed", "last_name": "L", "contact_number": "+37255555555", "role": other.role}
    page = client.get(f"/team/users/{other.pk}/")
    response = client.post(f"/team/users/{other.pk}/", form | {"is_active": "on"})
    changed = User.objects.get(pk=other.pk).first_name == "Changed"
    if expected("edit_user", role, target):
        assert page.status_code == 200 and response.status_code == 302 and changed
    else:
        status = 404 if role == "member" else 403  # not seen at all, or seen but not manageable
        assert page.status_code == status and response.status_code == status and not changed


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_nobody_changes_their_own_role(browser, team, role):
    actor = team.actor(role)
    form = {"first_name": "Me", "last_name": "L", "contact_number": "+37255555555", "role": "member"}
    browser(actor).post(f"/team/users/{actor.pk}/", form)  # role and activity are dropped for oneself
    actor.refresh_from_db()
    assert actor.first_name == "Me" and actor.role == role and actor.is_active


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_dashboard_roles_one_may_give(browser, team, role):
    member = team.users["member"][1]
    form = {"first_name": "A", "last_name": "L", "contact_number": "+37255555555", "role": "owner", "is_active": "on"}
    response = browser(team.actor(role)).post(f"/team/users/{member.pk}/", form)
    member.refresh_from_db()
    assert (member.role == Role.OWNER) == (role == "owner")
    if role == "admin":
        assert response.status_code == 200 and b"The role is not one you can give." in response.content


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_create_user(browser, team, role):
    form = {
        "email": "new@t.test",
        "first_name": "N",
        "last_name": "U",
        "contact_number": "+37255555555",
        "role": "member",
        "password": "A-long-enough-pass-1",
    }
    client = browser(team.actor(role))
    page = client.get("/team/")
    response = client.post("/team/", form)
    created = User.objects.filter(email="new@t.test").exists()
    if TEAM_EXPECTED["create_users"][role]:
        assert b"Create user" in page.content and response.status_code == 302 and created
    else:
        assert b"Create user" not in page.content and response.status_code == 403 and not created


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_dashboard_keys(browser, team, role, target):
    actor, other = team.actor(role), team.target(role, target)
    key = ApiKey.objects.get(user=other)
    client = browser(actor)
    listed = {k.pk for k in client.get("/keys/").context["keys"]}
    response = client.post("/keys/", {"action": "revoke", "key_id": key.pk, "confirmed": "yes"})
    key.refresh_from_db()
    if expected("manage_keys", role, target):
        assert key.pk in listed and response.status_code == 302 and key.revoked_at is not None
    else:
        assert key.pk not in listed and response.status_code == 404 and key.revoked_at is None


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_team_settings(browser, team, role):
    client = browser(team.actor(role))
    allowed = TEAM_EXPECTED["team_settings"][role]
    for path in ("/settings/", "/settings/2fa/"):
        assert client.get(path).status_code == (200 if allowed else 403), path
    response = client.post("/settings/", {"action": "rotate-secret"})
    assert response.status_code == (302 if allowed else 403)
    menu = client.get("/keys/").content
    assert (b'href="/settings/"' in menu) == allowed


# ---- Services and the admin ----------------------------------------------------------------------


def test_support_actions_refuse_team_users(team):
    from accounts.services import credit_adjust, credit_top_up, team_set_active
    from messaging.services import message_refund

    owner = team.actor("owner")
    message = team.message[owner.pk]
    for attempt in (
        lambda: credit_top_up(user=owner, amount=5, actor=owner, memo="free money"),
        lambda: credit_adjust(user=owner, amount=5, actor=owner, memo="free money"),
        lambda: message_refund(message=message, actor=owner, memo="mine"),
        lambda: team_set_active(team=team.team, actor=owner, active=False),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "forbidden"
    staff = UserFactory(team=None, is_staff=True, email="support@platform.test")
    credit_top_up(user=owner, amount=5, actor=staff, memo="paid invoice 12")


@pytest.mark.parametrize(("role", "target"), CELLS)
def test_services_cancel_only_as_the_matrix_says(team, role, target):
    """At the service: whatever page or task calls them, a member cannot cancel the
    owner's batch nor delete the owner's queued message."""
    from messaging.services import batch_cancel, message_delete

    actor, owner_of = team.actor(role), team.target(role, target)
    message, batch = team.message[owner_of.pk], team.batch[owner_of.pk]
    if expected("cancel_messages", role, target):
        assert message_delete(message=message, actor=actor).status == Status.DELETED
        assert batch_cancel(batch=batch, actor=actor) == 2
    else:
        for attempt in (
            lambda: message_delete(message=message, actor=actor),
            lambda: batch_cancel(batch=batch, actor=actor),
        ):
            with pytest.raises(PermissionDenied):
                attempt()
        assert set(Message.objects.filter(user=owner_of).values_list("status", flat=True)) == {Status.QUEUE}
