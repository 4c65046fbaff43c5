"""WSGI entry point: `gunicorn laomo.wsgi`."""

import logging
import os

from django.core.wsgi import get_wsgi_application

# Before anything is written: the database, the secret key, imports and photos are personal data,
# readable by this account alone (laomo.core.filemodes). Set here, not left to gunicorn's --umask,
# so that no way of starting the server forgets it.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")
application = get_wsgi_application()


def _sweep() -> None:
    """Each server process, as it starts, removes what writes cut off by a crash left behind
    (laomo.core.files). A failure is logged, and the server starts all the same."""
    from laomo.core import files

    try:
        files.sweep()
    except Exception:
        logging.getLogger("laomo.core.files").exception("The sweep of unfinished writes failed")


_sweep()
