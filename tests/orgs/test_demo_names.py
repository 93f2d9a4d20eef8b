"""The demo region's school names read as real Russian names."""

import random
import re

from objectivity.orgs.demo import MUNICIPALITIES, build_schools
from objectivity.orgs.models import Municipality


def test_village_school_adjectives_are_well_formed():
    municipalities = [Municipality(name=name) for name, *_ in MUNICIPALITIES]
    schools = build_schools(random.Random(2026), municipalities)
    adjectives = [re.search(r"«(\S+) (СОШ|ООШ|НОШ)»", s.short_name) for s in schools]
    words = [m.group(1) for m in adjectives if m]
    assert len(words) > 100
    malformed = [w for w in words if not re.fullmatch(r"[А-ЯЁ][А-ЯЁа-яё-]*(ск|цк|н|в|л|р)ая", w)]
    assert not malformed, malformed
