# The talks of the outreach tests: planned, held and reported through the services.
from laomo.outreach.tests.conftest import held_talk, plan, private_media  # noqa: F401
