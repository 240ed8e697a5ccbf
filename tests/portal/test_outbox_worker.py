import time

import pytest

from consult_portal import notifications
from consult_portal.models import Notification
from consult_portal.tasks import deliver_notification
from tests.conftest import wait_for, worker_mails

pytestmark = pytest.mark.worker


def _sent(pk):
    return Notification.objects.filter(pk=pk, status=Notification.Status.SENT).exists()


def test_a_real_worker_delivers_through_redis_once(celery_worker, office):
    notification = notifications.notify(
        channel=Notification.Channel.EMAIL,
        kind="test",
        subject="Worker delivery",
        recipient=office,
        dedup_key="worker-1",
        body="sent by a real worker",
    )
    wait_for(lambda: _sent(notification.pk))
    assert worker_mails(celery_worker["mail_dir"]) == [(office.email, "Worker delivery")]

    # The same task sent again, twice: the claim makes both no-ops.
    deliver_notification.delay(notification.pk)
    deliver_notification.delay(notification.pk)
    wait_for(lambda: celery_worker["log"].read_text().count("succeeded") >= 3)
    time.sleep(0.3)
    assert len(worker_mails(celery_worker["mail_dir"])) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1
