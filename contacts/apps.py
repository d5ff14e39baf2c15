from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from contacts.models import BlacklistEntry
        from core.generations import bump_on_change

        bump_on_change(BlacklistEntry)  # sends skip a cached "this team has no blacklist"
