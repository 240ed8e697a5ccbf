from celery.signals import task_postrun, task_prerun
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import request_finished
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from . import audit, storage
from .roles import ensure_roles

post_migrate.connect(ensure_roles, dispatch_uid="portal.ensure_roles")
# Files saved in a transaction that rolled back are removed when the request or task ends (consult_portal/storage.py).
request_finished.connect(storage.discard_uncommitted, dispatch_uid="portal.discard_uncommitted_files")
task_postrun.connect(storage.discard_uncommitted, dispatch_uid="portal.discard_uncommitted_files", weak=False)


@receiver(user_logged_in, dispatch_uid="portal.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="login", obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="portal.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="portal.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(actor=None, action="login_failed", after={"username": username}, request=request)


# A task writes its entries with no address, even when it runs inside a request (eager mode, without Redis).
_task_addresses = {}


@task_prerun.connect(dispatch_uid="portal.audit_task_without_address")
def audit_task_without_address(task_id=None, **kwargs):
    _task_addresses[task_id] = audit.set_address(None)


@task_postrun.connect(dispatch_uid="portal.audit_task_address_restored")
def audit_task_address_restored(task_id=None, **kwargs):
    token = _task_addresses.pop(task_id, None)
    if token is not None:
        audit.reset_address(token)
