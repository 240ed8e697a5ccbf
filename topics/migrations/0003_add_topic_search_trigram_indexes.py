"""Trigram indexes for the staff search over titles and descriptions (PostgreSQL only).

A LIKE '%term%' cannot use a b-tree index; pg_trgm's GIN indexes serve it. SQLite, the
development default, needs none of this.
"""

from django.db import migrations

INDEXES = {
    "topics_topic_title_trgm": "title",
    "topics_topic_description_trgm": "description",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON topics_topic USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("topics", "0002_add_topic_submission_key")]

    operations = [migrations.RunPython(create, drop)]
