"""Password rules beyond Django's own validators (graded protection asks for a mix of character kinds)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

MIX_MESSAGE = gettext_noop(
    "Your password must mix at least %(min_kinds)d of these kinds of character: "
    "lowercase letters, uppercase letters, digits and symbols."
)


def character_kinds(password: str) -> set[str]:
    """The kinds of character in a password: lower, upper, digit, symbol (anything else, Chinese included)."""
    kinds = set()
    for char in password:
        if char.isdigit():
            kinds.add("digit")
        elif char.isupper():
            kinds.add("upper")
        elif char.islower():
            kinds.add("lower")
        else:
            kinds.add("symbol")
    return kinds


class CharacterMixValidator:
    """At least `min_kinds` of: lowercase letters, uppercase letters, digits and symbols."""

    def __init__(self, min_kinds: int = 3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        if len(character_kinds(password)) < self.min_kinds:
            raise ValidationError(
                gettext(MIX_MESSAGE), code="password_too_uniform", params={"min_kinds": self.min_kinds}
            )

    def get_help_text(self):
        return gettext(MIX_MESSAGE) % {"min_kinds": self.min_kinds}
