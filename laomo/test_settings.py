"""Settings for the test run: the real ones, with fast hashing and throw-away files."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("LAOMO_VAR_DIR", str(Path(tempfile.gettempdir()) / "laomo-test-var"))

from laomo.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="laomo-test-media-"))
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="laomo-test-private-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The API's rate limits count in a cache that outlives a test: off, except in the tests that set
# them (laomo/accounts/tests/test_rate_limits.py), so that a suite's hundreds of calls from
# 127.0.0.1 within a minute are not refused.
LAOMO_API_RATE_PER_TOKEN = 0
LAOMO_API_RATE_PER_ADDRESS = 0
# Every test database is new: no head verified before (tests that need one set a path).
LAOMO_AUDIT_ANCHOR = ""
