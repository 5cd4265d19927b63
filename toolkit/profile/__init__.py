"""Residual group vs employment group (seed 004 ch. 5): person frame → tables with tested notes."""

from toolkit.profile.persons import (
    EMPLOYED,
    GROUPS,
    REST,
    Persons,
    offer_columns,
    validate_persons,
)
from toolkit.profile.register import profile_from_register, register_persons
from toolkit.profile.tables import ProfileSettings, Subgroup, profile_tables

__all__ = [
    "EMPLOYED", "GROUPS", "REST", "Persons", "ProfileSettings", "Subgroup", "offer_columns", "profile_from_register",
    "profile_tables", "register_persons", "validate_persons",
]
