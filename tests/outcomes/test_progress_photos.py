"""Issue #13: the unit's progress photos are checked like the public form's: pixels read from the header and
refused above the limit before anything is decoded, and nothing decoded while another field is wrong."""

import time

from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.images import too_many_pixels
from outcomes.models import OutcomeEvent, ProgressPhoto
from tests.factories import OutcomeFactory
from tests.photo_helpers import counting_decodes, field_block, files_on, hostile_photos, ordinary_photos


def _post(client, item, photos, **data):
    fields = {"date": timezone.localdate().isoformat(), "text": "已完成路面勘察,施工队下周进场。"} | data
    client.get(f"/unit/items/{item.pk}/")  # the page the form is on; compiles the templates before the timing
    with counting_decodes() as decoded:
        started = time.perf_counter()
        response = client.post(
            f"/unit/items/{item.pk}/progress/",
            {f"progress-{k}": v for k, v in fields.items()} | {"progress-photos": photos},
        )
        elapsed = time.perf_counter() - started
    return response, elapsed, decoded


def test_hostile_progress_photos_are_refused_at_once_beside_the_field(client, unit_user, unit):
    item = OutcomeFactory(unit=unit, text="修复村口至学校路段的路灯")
    client.force_login(unit_user)
    response, elapsed, decoded = _post(client, item, hostile_photos(), text="已约谈施工单位")
    html = response.content.decode()
    assert response.status_code == 400 and elapsed < 0.5
    assert too_many_pixels().messages[0] in field_block(html, "id_progress-photos")
    assert "已约谈施工单位" in html  # what was typed is kept
    assert decoded == []
    assert not ProgressPhoto.objects.exists() and not OutcomeEvent.objects.filter(item=item).exists()


def test_a_progress_with_a_future_date_decodes_no_photo(client, unit_user, unit):
    item = OutcomeFactory(unit=unit)
    client.force_login(unit_user)
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response, elapsed, decoded = _post(client, item, ordinary_photos(), date=tomorrow)
    assert response.status_code == 400
    assert _("The date of the progress cannot be in the future.") in field_block(
        response.content.decode(), "id_progress-date"
    )
    assert decoded == []


def test_a_full_disk_keeps_the_units_progress_text_and_saves_nothing(
    client, unit_user, unit, full_disk, transactional_db
):
    from tests.topics.conftest import noise_png, photo

    item = OutcomeFactory(unit=unit)
    client.force_login(unit_user)
    response, _elapsed, _decoded = _post(client, item, [photo("site.png", noise_png(500), "image/png")])
    html = response.content.decode()
    assert response.status_code == 400
    assert "照片暂时无法保存" in field_block(html, "id_progress-photos")
    assert "已完成路面勘察" in html
    assert not ProgressPhoto.objects.exists() and item.updates.count() == 0
    assert files_on(full_disk) == []
