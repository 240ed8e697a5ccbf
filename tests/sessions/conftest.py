from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, PlatformFactory, TopicFactory


@pytest.fixture
def platform_a(village_a):
    return PlatformFactory(name="甲一村有事来协商议事室", level="village", area=village_a, address="甲一村村委会二楼")


@pytest.fixture
def platform_b(town_b):
    return PlatformFactory(name="乙镇有事来协商议事室", level="town", area=town_b)


@pytest.fixture
def accepted_topic(town_a, village_a):
    return TopicFactory(town=town_a, village=village_a, title="村口路灯改造", status="accepted")


@pytest.fixture
def soon():
    start = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=2)


@pytest.fixture
def member_person(member_user):
    return member_user.member


@pytest.fixture
def lawyer(db):
    return MemberFactory(name="王律师", expertise="法律,调解")
