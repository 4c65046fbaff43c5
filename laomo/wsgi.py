"""WSGI entry point: `gunicorn laomo.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")
application = get_wsgi_application()
