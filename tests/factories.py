import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from consult_portal.models import Area, Committee, ResponsibleUnit, Sector, User
from members.models import Member


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"地区{n}")
    code = factory.Sequence(lambda n: f"A{n:05d}")
    level = Area.Level.TOWN
    parent = factory.LazyFunction(
        lambda: Area.objects.get_or_create(code="C0", defaults={"name": "示范县", "level": Area.Level.COUNTY})[0]
    )


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"界别{n}")


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"专委会{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibleUnit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"承办单位{n}")
    contact_name = "联系人"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-42")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        self.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"委员{n}")
    level = Member.Level.COUNTY
    sector = factory.SubFactory(SectorFactory)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    term_start = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultations.Platform"

    name = factory.Sequence(lambda n: f"协商室{n}")
    level = "town"
    area = factory.SubFactory(AreaFactory)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "topics.Topic"

    title = factory.Sequence(lambda n: f"议题{n}")
    description = "路灯坏了很久,晚上出行不便。"
    source = "resident"
    category = "livelihood"
    town = factory.SubFactory(AreaFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultations.Meeting"

    title = factory.Sequence(lambda n: f"协商会{n}")
    platform = factory.SubFactory(PlatformFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timezone.timedelta(hours=2))
    status = "published"


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outcomes.OutcomeItem"

    meeting = factory.SubFactory(MeetingFactory)
    text = factory.Sequence(lambda n: f"成果事项{n}:修复路灯")
    unit = factory.SubFactory(UnitFactory)
    contact_name = "王科长"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=30))
