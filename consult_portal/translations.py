"""Message ids of Django's own that its zh_Hans catalogue lacks; ours carries their translations.

Django 5.2 changed the password-length message to a %d form that its Chinese catalogue does not have yet.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
