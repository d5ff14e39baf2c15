"""Test data built through the same services the product uses."""

from decimal import Decimal

import factory

from accounts.models import Role, Team, User
from accounts.services import credit_top_up

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    default_country = "EE"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    team = factory.SubFactory(TeamFactory)
    role = Role.OWNER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def credits(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            credit_top_up(user=self, amount=Decimal(extracted), actor=None, memo="test credits")
            self.refresh_from_db(fields=["balance"])


def issue_key(user: User, **kwargs) -> str:
    from accounts.services import api_key_create

    return api_key_create(user=user, **kwargs).secret
