"""Keyword auto-replies now live in contacts (contacts 0005 takes the model over): removed from this
app's state only; the table and its rows are kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_keyword_from_messaging"),
        ("messaging", "0010_blacklist_entry_from_contacts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Keyword")],
            database_operations=[],
        ),
    ]
