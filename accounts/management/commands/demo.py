from django.core.management.base import BaseCommand

from accounts.models import ApiKey, User
from accounts.services import api_key_create, api_key_revoke, team_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-2026"
DEMO_KEY_NAME = "demo key (make run)"


class Command(BaseCommand):
    help = "Create the demo team once; print its login and a fresh API key on every run."

    def handle(self, *args, **options):
        owner = User.objects.filter(email=DEMO_EMAIL).first()
        if owner is None:
            team = team_create(name="Demo team", owner_email=DEMO_EMAIL, owner_password=DEMO_PASSWORD, credits=1000)
            owner = team.users.get()
            self.stdout.write("Created the demo team with 1000 credits.")
        # Keys are stored as hashes, so the old one cannot be shown again: replace it.
        for key in ApiKey.objects.filter(user=owner, name=DEMO_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(key=key)
        issued = api_key_create(user=owner, name=DEMO_KEY_NAME)
        self.stdout.write(f"\n  Dashboard login: {DEMO_EMAIL} / {DEMO_PASSWORD}\n  API key:         {issued.secret}\n")
