"""Factories, one per model."""

import factory
from axes.models import AccessAttempt

from objectivity.access.models import Membership, User
from objectivity.audit.models import AuditEvent
from objectivity.core.models import Job
from objectivity.orgs.models import Body, BodyKind, Municipality, Region, School


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 80) + 10}")
    name = factory.LazyAttribute(lambda o: f"Регион {o.code}")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Муниципальный район № {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    municipality = factory.SubFactory(MunicipalityFactory)
    login = factory.LazyAttributeSequence(lambda o, n: f"sch{o.municipality.region.code.zfill(2)}{n + 5000:04d}")
    full_name = factory.Sequence(lambda n: f"Муниципальное бюджетное общеобразовательное учреждение «СОШ № {n}»")
    short_name = factory.Sequence(lambda n: f"МБОУ «СОШ № {n}»")
    pupils_by_grade = factory.LazyFunction(lambda: {"4": 25, "5": 24})


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    kind = BodyKind.COKO
    region = factory.SubFactory(RegionFactory)
    name = "Центр оценки качества образования"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "Иванова"
    first_name = "Мария"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "region_analyst"
    level = "region"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = "orgs.registry_import"
    title = "Загрузка реестра"


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    action = "update"
    object_type = "orgs.School"


class AccessAttemptFactory(factory.django.DjangoModelFactory):
    """Failed logins as django-axes counts them: one row per login, address and browser."""

    class Meta:
        model = AccessAttempt

    username = "analyst"
    ip_address = "192.0.2.1"
    user_agent = "test"
    failures_since_start = 1
