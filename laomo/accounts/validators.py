"""Password rules (等保2.0 身份鉴别), all configured in `AUTH_PASSWORD_VALIDATORS`.

Length, similarity to the account's names, the common-password list and all-digits are Django's
validators, here with their messages in Chinese. Ours add what Django does not check: three of
four character classes, not the user name, an estimate of how easily the password is guessed
(zxcvbn: keyboard walks, common words with capitals, "@" for "a" and a year added, sequences,
dates), and not the demo's published password on an account that is not the demo's.
"""

import re
import string
import threading

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from zxcvbn import zxcvbn

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


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("密码太短，至少{n}位。").format(n=self.min_length)

    def get_help_text(self):
        return _("至少{n}位。").format(n=self.min_length)


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("密码与账号的%(verbose_name)s太相近。")

    def get_help_text(self):
        return _("不能与用户名、显示名称等账号信息相近。")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("这是常见密码，很容易被猜中。")

    def get_help_text(self):
        return _("不能是常见密码。")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("密码不能全是数字。")

    def get_help_text(self):
        return _("不能全是数字。")


# Why zxcvbn found a password easy, by the kind of the pieces it was read as.
_WEAKNESSES = {
    "user_inputs": gettext_lazy("含有用户名、姓名或平台名称"),
    "dictionary": gettext_lazy(
        "以常见密码、常用英文单词或人名为主体（首字母大写、用 @ 代替 a、加上数字或年份都不难猜）"
    ),
    "spatial": gettext_lazy("含有键盘上连在一起的按键（如 qwerty、1qaz、zaq1）"),
    "sequence": gettext_lazy("含有 abc、123、654 这样的顺序字符"),
    "repeat": gettext_lazy("含有重复的字符或片段"),
    "regex": gettext_lazy("含有年份"),
    "date": gettext_lazy("含有日期"),
}
# zxcvbn keeps the user's words of the call in progress in a module-level dictionary.
_ZXCVBN_LOCK = threading.Lock()
# zxcvbn refuses longer input; the first 72 characters of a longer password decide.
_ZXCVBN_MAX_LENGTH = 72


class GuessabilityValidator:
    """zxcvbn's estimate of how many guesses the password takes must reach `min_score` (0–4;
    3 is about 10^8 guesses, out of reach of online guessing and slow offline against PBKDF2).
    The account's own names and the platform's are given to it as words to be guessed first."""

    def __init__(self, min_score: int = 3, words: tuple[str, ...] = ("laomo", "劳模", "工匠")):
        self.min_score = min_score
        self.words = words

    def _user_words(self, user) -> list[str]:
        words = []
        for attribute in ("username", "display_name", "first_name", "last_name", "email"):
            value = str(getattr(user, attribute, "") or "")
            if value:
                words.append(value)
                # "yuanzhou-union", "wang.hua@…": each part is a word of its own.
                words += [part for part in re.split(r"[^0-9A-Za-z]+", value) if len(part) >= 3]
        return words

    def validate(self, password, user=None):
        inputs = [*self.words, *self._user_words(user)]
        with _ZXCVBN_LOCK:
            result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
        if result["score"] >= self.min_score:
            return
        kinds = []
        for match in result["sequence"]:
            kind = match["pattern"]
            if kind == "dictionary" and match.get("dictionary_name") == "user_inputs":
                kind = "user_inputs"
            if kind in _WEAKNESSES and kind not in kinds:
                kinds.append(kind)
        reasons = "；".join(str(_WEAKNESSES[kind]) for kind in kinds) or _("太短或太有规律")
        raise ValidationError(
            _(
                "密码太容易被猜中：{reasons}。请换一个更长、没有规律的密码，"
                "比如几个不相干的词加上数字和符号。"
            ).format(reasons=reasons),
            code="password_too_guessable",
        )

    def get_help_text(self):
        return _("不能是键盘上连续的按键、常见单词加数字或年份这类容易猜中的组合。")


class NotDemoPasswordValidator:
    """The demo's password is printed in the README and by `scripts/run.sh`: any account but the
    demo's own (`User.is_demo`, set by `laomo seed-demo`) is refused it."""

    def validate(self, password, user=None):
        from laomo.core.demo import DEMO_PASSWORD

        if password.casefold() == DEMO_PASSWORD.casefold() and not getattr(user, "is_demo", False):
            raise ValidationError(
                _("这是演示账号公开的密码，写在使用说明里，不能用于正式账号。"),
                code="password_is_demo",
            )

    def get_help_text(self):
        return _("不能是演示账号的公开密码。")
