from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_key_create, team_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create a team and its owner, top up credits through the ledger, and print a new API key (last line)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--credits", default="0")
        parser.add_argument("--country", default=None, help="Default country for national numbers (ISO code).")

    def handle(self, *args, name, email, password, credits, country, **options):
        try:
            team = team_create(
                name=name, owner_email=email, owner_password=password, credits=credits, default_country=country
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        owner = team.users.get()
        issued = api_key_create(user=owner, name="created with create_team")
        self.stdout.write(f"Team {team.name} (id {team.pk}), owner {owner.email}, balance {owner.balance}")
        self.stdout.write(issued.secret)
