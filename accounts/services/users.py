"""Sub-accounts of a team."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Role, User
from accounts.permissions import Action, require, role_grantable, team_of
from core.errors import ValidationFailed
from core.numbers import normalize_number

from .credits import clean_amount, credit_transfer, is_zero_amount

NAME_MAX = 150


def _clean_text(value: object, *, field: str, required: bool, max_length: int = NAME_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"The {field.replace('_', ' ')} field is required.", field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            f"The {field.replace('_', ' ')} may not be longer than {max_length} characters.", field=field
        )
    return text


def _check_password(password: object, user: User | None = None) -> str:
    text = str(password or "")
    if not text:
        raise ValidationFailed("The password field is required.", field="password")
    try:
        validate_password(text, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None
    return text


def user_create(
    *,
    actor: User,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    contact_number: str,
    company: str = "",
    role: str = Role.MEMBER,
    credit_balance: object = 0,
) -> User:
    """Create a sub-account in the actor's team; its starting credits are transferred from the actor."""
    require(actor, Action.USER_CREATE)
    email = _clean_text(email, field="email", required=True, max_length=254).lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed("The email must be a valid email address.", field="email") from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed("The email has already been taken.", field="email")
    if not role_grantable(actor=actor, role=role):
        raise ValidationFailed("The role is not one you can give.", field="role")
    fields = {
        "first_name": _clean_text(first_name, field="first_name", required=True),
        "last_name": _clean_text(last_name, field="last_name", required=True),
        "contact_number": normalize_number(
            contact_number, default_country=team_of(actor).default_country, field="contact_number"
        ),
        "company": _clean_text(company, field="company", required=False, max_length=200),
    }
    password = _check_password(password, User(email=email, **fields))
    starting = None if is_zero_amount(credit_balance) else clean_amount(credit_balance, field="credit_balance")
    with transaction.atomic():
        user = User.objects.create_user(email, password, team=actor.team, role=role, **fields)
        if starting:
            credit_transfer(
                actor=actor, from_email=actor.email, to_email=email, amount=starting, memo="Starting credits"
            )
            user.refresh_from_db(fields=["balance"])
    return user


def user_update(
    *,
    actor: User,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    contact_number: str | None = None,
    company: str | None = None,
    password: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the fields a user may change: everyone their own profile; another user's (and anyone's
    role and activity) as the role matrix allows (`Action.USER_MANAGE`). `None` leaves a field as it is."""
    if user.pk != actor.pk:
        require(actor, Action.USER_MANAGE, target=user)
    changed: list[str] = []
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(user, name, _clean_text(value, field=name, required=True))
            changed.append(name)
    if company is not None:
        user.company = _clean_text(company, field="company", required=False, max_length=200)
        changed.append("company")
    if contact_number is not None:
        user.contact_number = normalize_number(
            contact_number, default_country=team_of(user).default_country, field="contact_number"
        )
        changed.append("contact_number")
    if role is not None or is_active is not None:
        if user.pk == actor.pk:
            raise ValidationFailed("You cannot change your own role or deactivate yourself.", field="role")
        if role is not None:
            if not role_grantable(actor=actor, role=role):
                raise ValidationFailed("The role is not one you can give.", field="role")
            user.role = role
            changed.append("role")
        if is_active is not None:
            user.is_active = bool(is_active)
            changed.append("is_active")
    if password:
        user.set_password(_check_password(password, user))
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user
