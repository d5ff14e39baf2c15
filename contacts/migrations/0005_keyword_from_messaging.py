"""Keyword auto-replies move from messaging to contacts (they add a reply's sender to a contact
group, and messaging may not import contacts). State only: the table `messaging_keyword` and its
rows stay where they are. The model's content type follows it."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def content_type_to(app_label: str, other: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=app_label, model="keyword").exists():
            ContentType.objects.filter(app_label=other, model="keyword").update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_apikey_parent"),
        ("contacts", "0004_blacklist_entry_to_messaging"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("messaging", "0010_blacklist_entry_from_contacts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Keyword",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "word",
                            models.CharField(help_text="One word, stored in capitals; matched in any case.", max_length=30),
                        ),
                        (
                            "reply_text",
                            models.TextField(help_text="Sent back to whoever texts the keyword.", verbose_name="reply"),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "group",
                            models.ForeignKey(
                                blank=True,
                                help_text="Contact group the sender joins (a contact is created for a new number).",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="contacts.group",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="keywords", to="accounts.team"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "messaging_keyword",
                        "ordering": ["word"],
                        "constraints": [models.UniqueConstraint(fields=("team", "word"), name="keyword_unique_word")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to("contacts", "messaging"), content_type_to("messaging", "contacts")),
    ]
