"""The first office account of a new installation (and any later one): an active office-staff login that opens
/staff/ and /admin/, with a password that passes the policy, chosen by whoever runs the command."""

import getpass
import sys

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from consult_portal import audit
from consult_portal.models import Role, User


def _reasons(error: ValidationError) -> str:
    """Every reason of a refusal, one a line, after the field it concerns where there is one."""
    if not hasattr(error, "error_dict"):
        return "\n".join(f"- {message}" for message in error.messages)
    lines = []
    for field, messages in error.message_dict.items():
        label = "" if field == "__all__" else f"{User._meta.get_field(field).verbose_name}: "
        lines.extend(f"- {label}{message}" for message in messages)
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Create an office-staff account (active, in the office group, allowed into /admin/) whose password passes "
        "the password policy. Asks for the password twice, or reads one line from stdin with --password-stdin."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default=None, help="The account's email address.")
        parser.add_argument("--name", default=None, help="The person's name, as the portal shows it.")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from the first line of stdin."
        )
        parser.add_argument("--superuser", action="store_true", help="Also make the account a superuser.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="The account exists: set its password, make it active office staff (its other details stay).",
        )

    def execute(self, *args, **options):
        self.stdin = options.get("stdin", sys.stdin)
        return super().execute(*args, **options)

    def handle(self, *args, username, email, name, password_stdin, superuser, update, **options):
        try:
            office = Group.objects.get(name=Role.OFFICE)
        except Group.DoesNotExist:
            raise CommandError(_("The role groups are missing: run `manage.py migrate` first.")) from None
        user = User.objects.filter(username=username).first()
        if user is not None and not update:
            raise CommandError(
                _("The account %(username)s exists already: add --update to set its password.") % {"username": username}
            )
        if user is None and update:
            raise CommandError(_("There is no account %(username)s to update.") % {"username": username})
        created = user is None
        if created:
            user = User(username=username)
        if email is not None:
            user.email = email
        if name is not None:
            user.first_name, user.last_name = name, ""
        user.is_active = user.is_staff = True
        if superuser:
            user.is_superuser = True
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            raise CommandError(_("The account was refused:") + "\n" + _reasons(error)) from None

        password = self._password(from_stdin=password_stdin)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(_("The password was refused:") + "\n" + _reasons(error)) from None
        user.set_password(password)  # the person running the command chose it: no forced change at first login

        with transaction.atomic():
            user.save()
            user.groups.add(office)
            audit.record(
                actor=None,
                action="office_user_create" if created else "office_user_update",
                obj=user,
                after={
                    "username": user.username,
                    "email": user.email,
                    "name": user.get_full_name(),
                    "is_superuser": user.is_superuser,
                },
            )
        if created:
            message = _("Created the office account %(username)s.")
        else:
            message = _("Updated the office account %(username)s.")
        self.stdout.write(self.style.SUCCESS(message % {"username": user.username}))
        self.stdout.write(_("It can now sign in at /accounts/login/ and open /staff/ and /admin/."))

    def _password(self, *, from_stdin: bool) -> str:
        """One line of stdin (for scripts), or the same password typed twice at the terminal."""
        if from_stdin:
            password = self.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(_("Password: "))
            if getpass.getpass(_("Password (again): ")) != password:
                raise CommandError(_("The two passwords differ: nothing was changed."))
        if not password:
            raise CommandError(_("The password is empty: nothing was changed."))
        return password
