"""The blacklist's model moves from contacts to messaging (sending applies it, and messaging may not
import contacts). State only: the table `contacts_blacklistentry` and its rows stay where they are.
The model's content type follows it, so admin permissions given to staff groups keep working."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def content_type_to(app_label: str, other: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=app_label, model="blacklistentry").exists():
            ContentType.objects.filter(app_label=other, model="blacklistentry").update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_apikey_parent"),
        ("contacts", "0003_readable_admin_names"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("messaging", "0009_readable_admin_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BlacklistEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.CharField(help_text="E.164", max_length=20)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("api", "API"),
                                    ("web", "Dashboard"),
                                    ("admin", "Admin"),
                                    ("reply", "Opt-out reply"),
                                    ("import", "CSV import"),
                                ],
                                default="api",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="blacklist",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "contacts_blacklistentry",
                        "verbose_name_plural": "blacklist entries",
                        "ordering": ["-id"],
                        "constraints": [models.UniqueConstraint(fields=("team", "number"), name="blacklist_unique_number")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to("messaging", "contacts"), content_type_to("contacts", "messaging")),
    ]
