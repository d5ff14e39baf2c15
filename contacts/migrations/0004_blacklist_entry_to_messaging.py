"""The blacklist's model now lives in messaging (messaging 0010 takes it over): removed from this
app's state only; the table and its rows are kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_readable_admin_names"),
        ("messaging", "0010_blacklist_entry_from_contacts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BlacklistEntry")],
            database_operations=[],
        ),
    ]
