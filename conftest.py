"""Shared fixtures, and the rule that under CI=true nothing the suite needs may be missing."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LAOMO_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    if not IN_CI:
        return
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"CI=true but the browser is missing: {CHROMIUM}")
    if not shutil.which("fc-list"):
        problems.append("CI=true but fontconfig (fc-list) is missing")
    if problems:
        raise pytest.UsageError("; ".join(problems))


@pytest.fixture
def world(db):
    from laomo.core.testing.world import build_world

    return build_world()


@pytest.fixture
def login(client):
    """login(user) → the test client, signed in as that user."""
    from laomo.core.testing.factories import PASSWORD

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
