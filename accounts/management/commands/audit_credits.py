from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import credit_drift_list


class Command(BaseCommand):
    help = "Check that every user's balance equals the sum of their ledger rows; exit non-zero on any drift."

    def handle(self, *args, **options):
        drift = credit_drift_list()
        for row in drift:
            self.stderr.write(f"user {row.user_id} {row.email}: balance {row.balance} != ledger {row.ledger_total}")
        if drift:
            raise CommandError(f"{len(drift)} user(s) drifted")
        self.stdout.write("Credits audit clean: every balance equals its ledger.")
