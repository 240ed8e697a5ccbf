from django.apps import apps

from sessions.models import Meeting


def test_the_sessions_package_has_its_own_label():
    config = apps.get_app_config("consultations")
    assert config.name == "sessions"
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"
    assert Meeting._meta.db_table == "consultations_meeting"
