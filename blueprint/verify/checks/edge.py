"""Edge checks over HTTP (``--url``): the edge turns away unauthenticated requests, marks every response
``X-Robots-Tag: noindex``, and serves a ``/robots.txt`` that disallows everything.

Requests carry no credentials and follow no redirects. Three are made, once per run: the base URL, a
random path under it, and ``/robots.txt`` at the origin (RFC 9309, section 2.3: robots.txt lives at the
top of the origin).

- Authentication: the base URL and the random path answer 401 or 403. (An OIDC SecurityPolicy redirects
  browsers to the IdP instead; Envoy Gateway does not redirect requests matching ``oidc.denyRedirect``
  headers, "useful for AJAX or machine requests" (Envoy Gateway API, ``OIDCDenyRedirect``): match the
  ``X-Requested-With: XMLHttpRequest`` verify sends, and the edge answers it 401.)
- ``X-Robots-Tag``: every response, error responses included, has ``noindex`` (or ``none``, which implies
  it: Google Search Central, "Robots meta tag, data-nosnippet, and X-Robots-Tag specifications").
- ``/robots.txt``: answered 200 and disallowing ``/`` for every crawler. A 4xx answer is a fail: crawlers
  may then access everything (RFC 9309, section 2.3.1.3).
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_CONFIGURED, SkipError, Verdict

AREA = "edge"
#: What the requests send: no credentials; the header an OIDC edge's ``denyRedirect`` can match.
REQUEST_HEADERS = {"User-Agent": "staging-blueprint-verify", "X-Requested-With": "XMLHttpRequest"}
#: Crawlers robots.txt must keep out, besides the ``*`` group (a named group overrides ``*`` for that bot).
CRAWLERS = ("*", "Googlebot", "Bingbot")
MAX_BODY_BYTES = 65536


@dataclass(frozen=True)
class Response:
    """One HTTP answer: status (None when the request failed), headers (lower-case names), body text."""

    url: str
    status: int | None
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: str = ""
    error: str = ""

    def describe(self) -> str:
        return f"GET {self.url} -> {self.status if self.status is not None else self.error}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None  # a redirect is an answer to check, not to follow


def fetch(url: str, timeout: float) -> Response:
    """GET ``url`` without credentials or redirects; never raises for HTTP or network errors."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=REQUEST_HEADERS)
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, headers, body = answer.status, answer.headers, answer.read(MAX_BODY_BYTES)
    except urllib.error.HTTPError as exc:
        status, headers, body = exc.code, exc.headers, exc.read(MAX_BODY_BYTES)
    except (urllib.error.URLError, OSError) as exc:
        return Response(url, None, error=f"request failed: {getattr(exc, 'reason', exc)}")
    found: dict[str, list[str]] = {}
    for name, value in headers.items():
        found.setdefault(name.lower(), []).append(value)
    return Response(url, status, found, body.decode("utf-8", errors="replace"))


def urls(base: str) -> dict[str, str]:
    """The probe's URLs: ``base``, a random path under it, and the origin's ``/robots.txt``."""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    root = base.rstrip("/")
    return {
        "base": root + "/",
        "random": f"{root}/verify-{secrets.token_hex(6)}",
        "robots": f"{origin}/robots.txt",
    }


def probe(ctx: Context) -> dict[str, Response]:
    """The three answers, fetched once per run."""
    if ctx.url is None:
        raise SkipError(NOT_CONFIGURED, "no --url: pass the edge's base URL to check it over HTTP")
    base = ctx.url
    return dict(ctx.cached("edge", lambda: {k: fetch(u, ctx.http_timeout) for k, u in urls(base).items()}))


def _auth(ctx: Context) -> Verdict:
    answers = probe(ctx)
    seen = [answers["base"], answers["random"]]
    problems = [f"{r.describe()}: expected 401 or 403" for r in seen if r.status not in (401, 403)]
    return Verdict(problems, [r.describe() for r in seen])


def _noindex(response: Response) -> bool:
    tokens = {
        t.strip().lower() for value in response.headers.get("x-robots-tag", []) for t in value.split(",")
    }
    return bool(tokens & {"noindex", "none"})


def _robots_header(ctx: Context) -> Verdict:
    answers = list(probe(ctx).values())
    problems = [
        f"{r.describe()}: X-Robots-Tag {r.headers.get('x-robots-tag', ['absent'])}"
        for r in answers
        if not _noindex(r)
    ]
    facts = [
        f"{r.describe()}: X-Robots-Tag {', '.join(r.headers['x-robots-tag'])}" for r in answers if _noindex(r)
    ]
    return Verdict(problems, facts)


def _robots_txt(ctx: Context) -> Verdict:
    answer = probe(ctx)["robots"]
    if answer.status != 200:
        return Verdict([f"{answer.describe()}: crawlers treat a missing robots.txt as allow-all (RFC 9309)"])
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(answer.body.splitlines())
    path = urlsplit(answer.url)._replace(path="/").geturl()
    allowed = [bot for bot in CRAWLERS if parser.can_fetch(bot, path)]
    first_lines = " | ".join(answer.body.strip().splitlines()[:4])
    fact = f"{answer.describe()}: {first_lines}"
    return Verdict([f"{fact}: allows {allowed}"] if allowed else [], [fact])


def _subjects(evaluate: Callable[[Context], Verdict]) -> Callable[[Context], Iterator[Subject]]:
    def subjects(ctx: Context) -> Iterator[Subject]:
        probe(ctx)
        yield one(str(ctx.url), evaluate, ctx)

    return subjects


CHECKS = (
    Check("edge.auth-required", AREA, "Unauthenticated requests get 401 or 403", (), _subjects(_auth)),
    Check(
        "edge.noindex", AREA, "Every response carries X-Robots-Tag: noindex", (), _subjects(_robots_header)
    ),
    Check("edge.robots-txt", AREA, "/robots.txt disallows all crawlers", (), _subjects(_robots_txt)),
)
