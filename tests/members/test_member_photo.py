"""Issue #13: a member's photo is checked like the public form's: pixels read from the header and refused above
the limit before anything is decoded, and nothing decoded while another field is wrong."""

import time

import pytest
from django.utils.translation import gettext as _

from consult_portal.images import too_many_pixels
from members.models import Member
from tests.factories import SectorFactory
from tests.photo_helpers import counting_decodes, field_block, hostile_photos, ordinary_photos


@pytest.fixture
def data(db):
    sector = SectorFactory(name="教育界")
    return {"name": "孙老师", "level": "county", "sector": sector.pk, "phone": "13700001111", "is_active": "on"}


def _post(client, data):
    client.get("/staff/members/new/")  # compiles the templates before the timing
    with counting_decodes() as decoded:
        started = time.perf_counter()
        response = client.post("/staff/members/new/", data)
        elapsed = time.perf_counter() - started
    return response, elapsed, decoded


def test_a_hostile_member_photo_is_refused_at_once_beside_the_field(client, office, data):
    client.force_login(office)
    response, elapsed, decoded = _post(client, {**data, "photo_upload": hostile_photos(1)[0]})
    html = response.content.decode()
    assert response.status_code == 400 and elapsed < 0.5
    assert too_many_pixels().messages[0] in field_block(html, "id_photo_upload")
    assert 'value="孙老师"' in html
    assert decoded == []
    assert not Member.objects.exists()


def test_a_member_form_with_a_wrong_term_decodes_no_photo(client, office, data):
    client.force_login(office)
    wrong = {**data, "term_start": "2027-01-01", "term_end": "2026-01-01", "photo_upload": ordinary_photos(1)[0]}
    response, elapsed, decoded = _post(client, wrong)
    assert response.status_code == 400
    assert _("The term must end after it starts.") in field_block(response.content.decode(), "id_term_end")
    assert decoded == []
