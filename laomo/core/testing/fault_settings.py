"""Settings of the server a fault test starts (laomo/core/tests/test_fault.py): the real ones,
folders and database from the environment as in production, with the test run's password
hasher (the test's accounts were made with it) and the static files served from where they lie
(no `collectstatic` for a throw-away server)."""

from laomo.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
