import django.core.management.commands.runserver as django_runserver
import pytest
from django.core.management import call_command

from laomo.core.management.commands.runserver import HTTPS_WARNING


@pytest.mark.parametrize("https", [True, False])
@pytest.mark.django_db
def test_the_development_server_says_https_needs_a_real_server(
    settings, monkeypatch, capsys, https
):
    settings.SECURE_SSL_REDIRECT = https
    served = []
    monkeypatch.setattr(django_runserver, "run", lambda *args, **kwargs: served.append(args))
    call_command("runserver", "127.0.0.1:8105", use_reloader=False, skip_checks=True)
    assert served  # it went on to serve
    assert (HTTPS_WARNING in capsys.readouterr().err) is https
