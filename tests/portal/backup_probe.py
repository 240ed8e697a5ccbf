"""What a restored portal must show as before: run in-process on the source and as a script on the target.

`python tests/portal/backup_probe.py` (with DJANGO_SETTINGS_MODULE and the target's DATABASE_URL / MEDIA_ROOT)
prints the snapshot as JSON.
"""

import hashlib
import json
import os
import sys
from pathlib import Path


def snapshot() -> dict:
    from django.conf import settings
    from django.test import Client

    from consult_portal import backups
    from outcomes.models import OutcomeItem
    from topics.models import Topic

    client = Client()
    codes = sorted(Topic.objects.values_list("tracking_code", flat=True))
    results = sorted(
        [item.pk, item.text, item.answer, item.status, item.published_at.isoformat()]
        for item in OutcomeItem.objects.filter(published_at__isnull=False)
    )
    photos = {}
    for name in sorted(backups.referenced_files()):
        path = Path(settings.MEDIA_ROOT) / name
        photos[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    pages = {}
    for code in codes:
        response = client.get(f"/topics/track/{code}/")
        pages[code] = [response.status_code, code in response.content.decode()]
    for pk, text, *_ in results:
        response = client.get(f"/outcomes/{pk}/")
        pages[f"outcome {pk}"] = [response.status_code, text in response.content.decode()]
    return {"codes": codes, "results": results, "photos": photos, "pages": pages}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult_portal.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    print(json.dumps(snapshot(), ensure_ascii=False))
