"""Password rules beyond Django's own (等保2.0 身份鉴别: complexity, not the user name).

Length, similarity to the account's names and the common-password list are Django's validators,
configured in `AUTH_PASSWORD_VALIDATORS`; these two add what Django does not check.
"""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", frozenset(string.ascii_lowercase)),
    ("upper", frozenset(string.ascii_uppercase)),
    ("digit", frozenset(string.digits)),
)


def character_classes(password: str) -> set[str]:
    """Which of lower, upper, digit and symbol the password uses. Anything that is not an ASCII
    letter or digit (punctuation, a space, a Chinese character) counts as a symbol."""
    found = set()
    for char in password:
        for name, members in CLASSES:
            if char in members:
                found.add(name)
                break
        else:
            found.add("symbol")
    return found


class CharacterClassesValidator:
    """At least `min_classes` of the four classes: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号这四类中的至少{n}类。").format(
                    n=self.min_classes
                ),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("须包含大写字母、小写字母、数字、符号这四类中的至少{n}类。").format(
            n=self.min_classes
        )


class NotUsernameValidator:
    """The password may not contain the user name, forwards or backwards, in any case.

    Django's UserAttributeSimilarityValidator catches passwords *like* the name; a password that
    is the name plus a suffix ("wang@2026A") is not similar enough for it, and is refused here.
    """

    MIN_NAME_LENGTH = 3  # "li" inside a password is chance, not a choice

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if len(username) < self.MIN_NAME_LENGTH:
            return
        lowered = password.lower()
        if username in lowered or username[::-1] in lowered:
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("不能包含用户名。")
