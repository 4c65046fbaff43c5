"""factory_boy factories for the registry."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from laomo.accounts.models import User
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Organisation, Region
from laomo.schools.models import School

PASSWORD = "Test@2026pass"  # noqa: S105 - test accounts only


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"6499{n:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    level = Region.Level.COUNTY


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试总工会{n}")
    kind = Organisation.Kind.UNION
    region = factory.SubFactory(RegionFactory)


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"测试第{n}小学")
    region = factory.SubFactory(RegionFactory)
    stage = School.Stage.PRIMARY
    ownership = School.Ownership.PUBLIC
    student_count = 600


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Iterator(["王建军", "李秀兰", "张志强", "马玉梅", "刘文华", "杨海燕"])
    gender = "男"
    unit = "测试单位"
    phone = factory.Sequence(lambda n: f"1390954{n:04d}")
    region = factory.SubFactory(RegionFactory)


class HonourFactory(DjangoModelFactory):
    class Meta:
        model = Honour

    person = factory.SubFactory(PersonFactory)
    title = "自治区劳动模范"
    level = "regional"


class LectureGroupFactory(DjangoModelFactory):
    class Meta:
        model = LectureGroup

    name = factory.Sequence(lambda n: f"测试宣讲团{n}")
    region = factory.SubFactory(RegionFactory)
    batch = 1


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(LectureGroupFactory)
    person = factory.SubFactory(PersonFactory)
    position = factory.Sequence(lambda n: n + 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # A password the user set themselves, today: no forced change at sign-in.
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()
