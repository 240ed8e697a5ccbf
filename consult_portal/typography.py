"""Chinese typography: the ASCII marks , : ; ? ! ( ) beside Chinese text become the full-width ，：；？！（）.

    fullwidth("身边的事在这里商量:群众、委员坐下来一起协商,商定怎么办")  # "……商量：群众……协商，商定怎么办"
    ascii_beside_chinese("镇(街道)")  # ["(", ")"]: what a test over the catalogue refuses

A mark changes only where the nearest character on one side of it (spaces skipped) is Chinese; a pair of round
brackets changes together, where either bracket stands beside Chinese or they enclose some. What machines read is
left alone: format placeholders (%(name)s, %s, {0}), HTML entities (&nbsp;), web addresses, and so times (10:00),
numbers (1,000) and Latin text (Note: see (a)), whose marks have no Chinese beside them. The spaces between a mark
made full-width and its neighbours go: a full-width mark carries its own space.

`fix_po(text)` applies this to the msgstr of a PO file's text without changing anything else of it (its wrapping,
comments, msgids): `manage.py fullwidth_punctuation locale/zh_Hans/LC_MESSAGES/django.po`.
"""

import re

from django.utils.translation import pgettext

# Han ideographs, CJK symbols and punctuation (、。「」), kana, compatibility ideographs and forms, full-width forms.
CHINESE = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CHINESE = re.compile(f"[{CHINESE}]")
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_WIDTH = str.maketrans({full: ascii for ascii, full in FULL_WIDTH.items()})
# Spans no mark inside of which may change.
_MACHINE = re.compile(
    r"%\([^()\s]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]"  # %(name)s, %(seconds).1f
    r"|%[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"  # %s, %d
    r"|\{[^{}\s]*\}"  # {0}, {name}
    r"|&#?\w+;"  # &nbsp;
    r"|(?:https?|mailto|tel):[\w./?=&%#~+:@,;!-]*[\w/=#~+-]"  # addresses
)


def _machine_mask(text: str) -> list[bool]:
    mask = [False] * len(text)
    for match in _MACHINE.finditer(text):
        for i in range(match.start(), match.end()):
            mask[i] = True
    return mask


def _neighbour(text: str, index: int, step: int) -> str:
    """The nearest character beside text[index] that is not a space, or ''."""
    index += step
    while 0 <= index < len(text) and text[index] == " ":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def _beside_chinese(text: str, index: int) -> bool:
    return any(_CHINESE.match(_neighbour(text, index, step) or "a") for step in (-1, 1))


def _between_placeholders(text: str, index: int, machine: list[bool]) -> bool:
    """A comma in "%(title)s,%(when)s" in Chinese text parts Chinese values (10:00 holds no placeholder)."""
    before, after = index - 1, index + 1
    while before >= 0 and text[before] == " ":
        before -= 1
    while after < len(text) and text[after] == " ":
        after += 1
    return (
        text[index] in ",;"
        and before >= 0
        and after < len(text)
        and machine[before]
        and machine[after]
        and _CHINESE.search(text) is not None
    )


def _marks_to_change(text: str) -> list[int]:
    """The positions of the ASCII marks that stand in Chinese text."""
    machine = _machine_mask(text)
    chosen = set()
    open_brackets = []
    pairs = []
    for i, char in enumerate(text):
        if machine[i] or char not in FULL_WIDTH:
            continue
        if char == "(":
            open_brackets.append(i)
        elif char == ")":
            if open_brackets:
                pairs.append((open_brackets.pop(), i))
            elif _beside_chinese(text, i):
                chosen.add(i)
        elif _beside_chinese(text, i) or _between_placeholders(text, i, machine):
            chosen.add(i)
    for i in open_brackets:  # left open
        if _beside_chinese(text, i):
            chosen.add(i)
    for start, end in pairs:
        if _beside_chinese(text, start) or _beside_chinese(text, end) or _CHINESE.search(text, start, end):
            chosen.update((start, end))
    return sorted(chosen)


def _edits(text: str) -> dict[int, str]:
    """position -> replacement ('' to drop the character): the full-width marks and the spaces beside them, until
    none is left to make ("（社区）:" once the brackets are full-width)."""
    edits: dict[int, str] = {}
    while True:
        current = "".join(edits.get(i, char) if edits.get(i) != "" else " " for i, char in enumerate(text))
        new = [i for i in _marks_to_change(current) if i not in edits]
        if not new:
            return edits
        for i in new:
            edits[i] = FULL_WIDTH[text[i]]
            for step in (-1, 1):
                j = i + step
                while 0 <= j < len(text) and text[j] == " ":
                    edits.setdefault(j, "")
                    j += step


def fullwidth(text: str) -> str:
    edits = _edits(text)
    return "".join(edits.get(i, char) for i, char in enumerate(text))


def labelled(label, text) -> str:
    """A label and its text in the reader's punctuation: "已落实：已修复" in Chinese, "Implemented: repaired" in
    English (never an ASCII colon after a Chinese label)."""
    return pgettext("a label and its text", "%(label)s: %(text)s") % {"label": label, "text": text}


def halfwidth(text: str) -> str:
    """The full-width marks of `text` as ASCII: to match what people typed either way."""
    return text.translate(_HALF_WIDTH)


def ascii_beside_chinese(text: str) -> list[str]:
    """The ASCII marks of `text` that stand beside Chinese (what `fullwidth` would change)."""
    return [text[i] for i in _marks_to_change(text)]


# ------------------------------------------------------------------------------------------ PO files

_STRING = re.compile(r'^(\s*(?:msgstr(?:\[\d+\])?\s+)?)"(.*)"\s*$')


def fix_po(content: str) -> str:
    """The PO file's text with every msgstr made full-width, each line of it kept where it was."""
    lines = content.splitlines(keepends=True)
    out = []
    block: list[str] = []  # the lines of one msgstr: `msgstr "…"` and its continuations

    def flush():
        if block:
            out.extend(_fix_block(block))
            block.clear()

    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("msgstr"):
            flush()
            block.append(line)
        elif block and stripped.startswith('"'):
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "".join(out)


def _fix_block(lines: list[str]) -> list[str]:
    """The lines of one msgstr, its text (escaped as in the file: escapes hold no mark) made full-width across the
    lines, each line keeping its own part."""
    parts = []
    for line in lines:
        match = _STRING.match(line.rstrip("\r\n"))
        if match is None:
            return lines
        parts.append(match)
    texts = [m.group(2) for m in parts]
    edits = _edits("".join(texts))
    fixed, offset = [], 0
    for line, match, text in zip(lines, parts, texts, strict=True):
        new = "".join(edits.get(offset + i, char) for i, char in enumerate(text))
        offset += len(text)
        ending = line[len(line.rstrip("\r\n")) :]
        fixed.append(f'{match.group(1)}"{new}"{ending}')
    return fixed
