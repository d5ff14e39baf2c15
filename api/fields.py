"""Serializer fields shared by the dialects."""

from rest_framework import serializers

# The largest value of Django's IntegerField and PositiveIntegerField on every supported database
# (PostgreSQL `integer`); a larger number overflows the column, or SQLite's 64-bit integers, with a 500.
DB_INT_MAX = 2**31 - 1


class IntegerField(serializers.IntegerField):
    """DRF's IntegerField bounded to what the database can store unless the field says tighter:
    `10**30` is a validation error, never an overflow. Every integer a dialect reads uses this one
    (tests/api/test_hostile_input.py checks the schema of every request body)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_value", DB_INT_MAX)
        kwargs.setdefault("min_value", -DB_INT_MAX - 1)
        super().__init__(**kwargs)
