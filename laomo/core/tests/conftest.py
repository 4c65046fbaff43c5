# A talk that has taken place, planned and confirmed through the services, for the API tests.
from laomo.outreach.tests.conftest import held_talk, plan  # noqa: F401
