"""Chinese text uses full-width punctuation (，：；？！（）): the catalogue, and the converter that keeps it so."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from consult_portal.typography import ascii_beside_chinese, fix_po, fullwidth

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_no_translation_puts_ascii_punctuation_beside_chinese():
    offending = []
    for entry in polib.pofile(str(PO)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if ascii_beside_chinese(text):
                offending.append(text)
    assert offending == []


def test_the_home_pages_sentence_reads_with_full_width_marks():
    text = "身边的事在这里商量:群众、政协委员和有关部门坐下来一起协商,商定怎么办。"
    assert fullwidth(text) == "身边的事在这里商量：群众、政协委员和有关部门坐下来一起协商，商定怎么办。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("村(社区)", "村（社区）"),
        ("您满意吗?请评价!", "您满意吗？请评价！"),
        ("表头;缺少:%s", "表头；缺少：%s"),
        ("演示账号(密码:%(password)s):", "演示账号（密码：%(password)s）："),  # the colon after a bracket
        ("满意率 %(rate)s(%(total)s 人评价)", "满意率 %(rate)s（%(total)s 人评价）"),
        ("会议提醒:%(title)s,%(when)s", "会议提醒：%(title)s，%(when)s"),
        ("文件不超过 5 MB, 且不超过 5000 行", "文件不超过 5 MB，且不超过 5000 行"),
        ("Excel 文件(.xlsx)", "Excel 文件（.xlsx）"),
    ],
)
def test_it_makes_the_marks_beside_chinese_full_width(text, expected):
    assert fullwidth(text) == expected
    assert ascii_beside_chinese(expected) == []


@pytest.mark.parametrize(
    "text",
    [
        "例如 09:30。",  # a time
        "共 1,000 人",  # a number
        "如 7,3,1；",  # what the field takes
        "请填写网址，例如 https://example.com/?a=1&b=2。",  # an address
        "第 %(n)s 页",  # a placeholder's brackets
        "{0}：{1}",
        "Note: see (a), then (b)!",  # Latin text
        "&nbsp;协商",  # an entity
        "……",
        "%(hour)s:%(minute)s",
    ],
)
def test_it_leaves_what_machines_read_and_latin_text_alone(text):
    assert fullwidth(text) == text


def test_it_rewrites_only_the_msgstr_of_a_po_file_keeping_its_lines(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        '#: a.py:1\nmsgid "Town (street)"\nmsgstr "镇(街道)"\n\n'
        'msgid ""\n"Long: one, two"\nmsgstr ""\n"第一行,"\n"第二行:(%(n)s)"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "共 %(n)s 条,已读"\n',
        encoding="utf-8",
    )
    call_command("fullwidth_punctuation", str(po))
    assert po.read_text(encoding="utf-8") == (
        '#: a.py:1\nmsgid "Town (street)"\nmsgstr "镇（街道）"\n\n'
        'msgid ""\n"Long: one, two"\nmsgstr ""\n"第一行，"\n"第二行：（%(n)s）"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "共 %(n)s 条，已读"\n'
    )
    assert fix_po(po.read_text(encoding="utf-8")) == po.read_text(encoding="utf-8")


def test_no_template_puts_an_ascii_mark_after_a_translated_label_or_beside_chinese():
    """A label written "{% translate "Reason" %}:" reads 原因: in Chinese; the colon is translated instead
    (context "after a label"). Chinese written in a template (the 500 page) takes full-width marks too."""

    label = re.compile(r"""{%\s*translate\s+"[^"]*"\s*%}[,:;?!]|\({%\s*translate\s+"[^"]*"\s*%}\)""")
    markup = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}|<[^>]*>", re.S)
    found = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)}" for m in label.finditer(text)]
        for line in markup.sub("\n", text).splitlines():  # the text between tags, a piece a line
            if ascii_beside_chinese(line.strip()):
                found.append(f"{path.name}: {line.strip()}")
    assert found == []


def test_a_label_and_its_text_take_the_readers_colon():
    """Needs the translations of /tmp/translations/docs.po (#18) in the catalogue."""
    from django.utils import translation

    from consult_portal.typography import labelled

    with translation.override("zh-hans"):
        assert labelled("已落实", "已修复") == "已落实：已修复"
    with translation.override("en"):
        assert labelled("Implemented", "repaired") == "Implemented: repaired"
