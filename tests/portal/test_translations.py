from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    catalogue = polib.pofile(str(PO))
    assert len(catalogue) > 100
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_the_compiled_catalogue_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(PO.with_suffix(".mo")))}
    compiled.pop((None, ""), None)
    assert compiled == source


def test_the_language_switch_turns_the_portal_to_english_and_back(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Let's talk it over" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "有事来协商" in client.get("/").content.decode()


def _code_msgids() -> set[str]:
    """Message ids of gettext calls with a literal argument, and of {% translate "…" %} tags."""
    import ast
    import re

    root = Path(settings.BASE_DIR)
    calls = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
    found = set()
    for app in ("consult_portal", "members", "topics", "sessions", "outcomes"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in calls
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    tag = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
    for path in (root / "templates").rglob("*.html"):
        found.update(match.group(2) for match in tag.finditer(path.read_text(encoding="utf-8")))
    return found


def test_every_message_in_the_code_is_in_the_catalogue():
    catalogue = {entry.msgid for entry in polib.pofile(str(PO))}
    missing = sorted(_code_msgids() - catalogue)
    assert missing == [], "run `make messages` and translate: " + ", ".join(missing[:20])
