"""Periodic work that reaches into several apps; celery.py discovers this module beside the apps' own."""

from celery import shared_task

from . import retention


@shared_task(ignore_result=True)
def purge_personal_data() -> dict:
    """Daily: residents' names and phones past SUBMITTER_RETENTION_MONTHS (the purge_submitters command)."""
    return retention.personal_data_purge()
