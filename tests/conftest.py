"""The fixed cast: one user per role, in a home region with two municipalities, and an outsider region."""

from dataclasses import dataclass

import pytest

from tests.factories import (
    BodyFactory,
    MembershipFactory,
    MunicipalityFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    region: object
    municipality: object
    other_municipality: object
    school: object
    other_school: object
    foreign_region: object
    foreign_school: object
    users: dict


def _member(username, role, level, scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, level=level, **({level: scope} if level != "federal" else {}))
    return user


def build_world() -> World:
    region = RegionFactory(code="22", name="Демонстрационный край")
    municipality = MunicipalityFactory(region=region, name="Городской округ Северогорск")
    other_municipality = MunicipalityFactory(region=region, name="Каменский муниципальный район")
    school = SchoolFactory(municipality=municipality, login="sch220001", short_name="МБОУ «СОШ № 1»")
    other_school = SchoolFactory(municipality=other_municipality, login="sch220002", short_name="МКОУ «Каменская ООШ»")
    foreign_region = RegionFactory(code="54", name="Соседняя область")
    foreign_school = SchoolFactory(municipality=MunicipalityFactory(region=foreign_region), login="sch540001")
    BodyFactory(region=region)
    users = {
        "region_admin": _member("admin", "region_admin", "region", region),
        "region_analyst": _member("analyst", "region_analyst", "region", region),
        "oiv_official": _member("oiv", "oiv_official", "region", region),
        "methodologist": _member("coko", "methodologist", "region", region),
        "municipal_coordinator": _member("mun", "municipal_coordinator", "municipality", municipality),
        "mms_methodologist": _member("mms", "mms_methodologist", "municipality", municipality),
        "school_admin": _member("sch220001", "school_admin", "school", school),
        "public_observer": _member("observer", "public_observer", "municipality", municipality),
        "independent_observer": _member("indep", "independent_observer", "region", region),
        "expert": _member("expert", "expert", "region", region),
        "federal_analyst": _member("federal", "federal_analyst", "federal", None),
        "outsider": _member("outsider", "region_admin", "region", foreign_region),
    }
    return World(region, municipality, other_municipality, school, other_school, foreign_region, foreign_school, users)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login_as(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def _fresh_production_calendar():
    """A test's rolled-back CalendarDay rows send no signal: forget the overrides the service read around it."""
    from objectivity.core.workdays import clear_cache

    clear_cache()
    yield
    clear_cache()
