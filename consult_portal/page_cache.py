"""Public pages served from the cache to anonymous visitors until the rows they show change (issue #17).

    @page_cache.public("outcomes")
    def outcome_list(request): ...

The response of a GET by an anonymous visitor is kept under the page's name, its full path, and what
`cache_versions.key` adds: the data version (moved on by every committed write to a counted table), today and the
language. Anything a visitor of their own would see is left out or put back:

- the CSRF token of the language switch (and of any form) is taken out before keeping and a fresh one, from this
  visitor's own cookie, put in on the way out (so the cookie is set as usual); so are the hidden inputs named in
  `fresh` (a form's one-time submission key: a new one for each visitor);
- a visitor with messages waiting (after a submission) gets the page rendered for them, and so does anyone logged
  in; nothing is kept from a response that is not a plain 200 or that sets a cookie other than the CSRF one;
- `seconds` bounds how long a page that depends on the clock is kept ("upcoming" meetings: a minute), and a view
  may say until when its response holds (`response.fresh_until`).
"""

import re
from functools import wraps

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from . import cache_versions

TOKEN = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(")')
PLACEHOLDER = rb"\g<1>@csrf@\g<2>"
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
MAX_PATH = 300


def _may_use_cache(request) -> bool:
    if request.method not in ("GET", "HEAD") or len(request.get_full_path()) > MAX_PATH:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # Messages stored for this visitor by an earlier request (read without marking them seen) are theirs alone.
    storage = getattr(request, "_messages", None)
    return storage is None or not storage._loaded_messages


def _kept(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    return all(name == "csrftoken" for name in response.cookies)


def _timeout(response: HttpResponse, seconds: int | None) -> int | None:
    """`seconds`, or less when the view says until when its page holds (`response.fresh_until`, e.g. the end of the
    first meeting of a feed of meetings not ended yet)."""
    until = getattr(response, "fresh_until", None)
    if until is None:
        return seconds
    left = max(int((until - timezone.now()).total_seconds()), 1)
    return min(left, seconds) if seconds else left


def _fresh_pattern(field: str) -> re.Pattern:
    return re.compile(rb'(name="' + re.escape(field.encode()) + rb'" value=")[^"]*(")')


def public(name: str, *, seconds: int | None = None, fresh: dict | None = None):
    """Keep the view's responses to anonymous visitors (see the module's docstring). `fresh` names hidden inputs
    whose value each visitor gets new, {input name: function giving the value} (a form's one-time key)."""
    fresh_patterns = {field: (_fresh_pattern(field), make) for field, make in (fresh or {}).items()}

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            key = cache_versions.key(f"page:{name}", request.get_full_path()) if _may_use_cache(request) else None
            if key is None:
                return view(request, *args, **kwargs)
            found = cache_versions.get(key)
            if found is None:
                response = view(request, *args, **kwargs)
                if not _kept(response):
                    return response
                body = TOKEN.sub(PLACEHOLDER, response.content)
                for field, (pattern, _make) in fresh_patterns.items():
                    body = pattern.sub(rb"\g<1>@" + field.encode() + rb"@\g<2>", body)
                headers = {h: response[h] for h in KEPT_HEADERS if h in response}
                cache_versions.put(key, (body, headers, body != response.content), _timeout(response, seconds))
                return response
            body, headers, has_token = found
            if has_token:
                token = get_token(request).encode()
                body = body.replace(b'value="@csrf@"', b'value="' + token + b'"')
            for field, (_pattern, make) in fresh_patterns.items():
                body = body.replace(b'value="@' + field.encode() + b'@"', b'value="' + str(make()).encode() + b'"')
            return HttpResponse(body, headers=headers)

        return wrapper

    return decorate
