"""Reading never writes: every GET of the permission matrix, as every role, leaves every table as it was.

The only rows a GET may add are the audit log's records of a personal-data view (the law asks for them). A page
that stores defaults, counters or caches when it is opened fails here.
"""

import pytest
from django.apps import apps

from objectivity.audit.models import Action, AuditEvent
from tests.access.test_permission_matrix import EVERYONE, MATRIX, _url

GETS = sorted(name for name, entry in MATRIX.items() if entry.method == "get")
NOT_DATA = {"sessions.session"}  # logging in for the test writes a session


def _state() -> dict[str, int]:
    counts = {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_DATA and model._meta.managed
    }
    counts["audit.auditevent"] = AuditEvent.objects.exclude(action=Action.VIEW_PERSONAL).count()
    return counts


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_no_page_writes_when_it_is_read(who, world, client):
    client.force_login(world.users[who])
    urls = {name: _url(name, MATRIX[name], world) for name in GETS}  # the matrix's set-up rows come first
    before = _state()
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code != 500, (name, who)
        after = _state()
        assert after == before, (name, who, {k: (before[k], after[k]) for k in after if after[k] != before[k]})
