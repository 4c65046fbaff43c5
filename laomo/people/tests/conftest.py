import pytest

from laomo.core.testing.factories import LectureGroupFactory, RegionFactory
from laomo.regions.models import Region


@pytest.fixture
def city(db):
    """固原市 alone, with nobody in it: every person an import makes is new."""
    province = RegionFactory(code="640000", name="宁夏回族自治区", level=Region.Level.PROVINCE)
    return RegionFactory(code="640400", name="固原市", level=Region.Level.CITY, parent=province)


@pytest.fixture
def seed_group(city):
    """The city lecture group of seed 002, empty."""
    return LectureGroupFactory(name="固原市“劳模工匠进校园”宣讲团", region=city)
