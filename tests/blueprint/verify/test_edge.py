"""The HTTP checks of the edge against local servers: a compliant edge, one missing the header, one
serving an allow-all robots.txt, one without authentication, and one that is not there at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blueprint.verify.aws import AwsReader
from blueprint.verify.checks import edge as edge_checks
from blueprint.verify.registry import Context, run_checks
from tests.blueprint.verify.edge_servers import ALLOW_ALL, edge
from tests.blueprint.verify.minimal_outputs import MINIMAL_OUTPUTS

EDGES = {
    "compliant": {},
    "no-header": {"header": False},
    "allow-all-robots": {"robots": ALLOW_ALL},
    "no-auth": {"auth": False},
}


@pytest.fixture(scope="module")
def edges() -> Iterator[dict[str, str]]:
    with (
        edge(**EDGES["compliant"]) as a,
        edge(**EDGES["no-header"]) as b,
        edge(**EDGES["allow-all-robots"]) as c,
        edge(**EDGES["no-auth"]) as d,
    ):
        yield dict(zip(EDGES, (a, b, c, d), strict=True))


def statuses(url: str | None) -> dict[str, str]:
    ctx = Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1"), url=url, http_timeout=5)
    results = run_checks(ctx, edge_checks.CHECKS)
    assert not ctx.aws.calls  # the edge checks make no AWS call
    return {r.check: r.status.value for r in results}


@pytest.mark.parametrize(
    ("edge_name", "failing"),
    [
        ("compliant", set()),
        ("no-header", {"edge.noindex"}),
        ("allow-all-robots", {"edge.robots-txt"}),
        ("no-auth", {"edge.auth-required"}),
    ],
)
def test_each_edge_fails_exactly_the_check_it_breaks(edges, edge_name, failing):
    found = statuses(edges[edge_name])
    assert set(found) == {"edge.auth-required", "edge.noindex", "edge.robots-txt"}
    assert {check for check, status in found.items() if status == "fail"} == failing
    assert {check for check, status in found.items() if status == "pass"} == set(found) - failing


def test_the_evidence_names_what_was_seen(edges):
    ctx = Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1"), url=edges["no-header"], http_timeout=5)
    noindex = next(r for r in run_checks(ctx, edge_checks.CHECKS) if r.check == "edge.noindex")
    assert any("/robots.txt -> 200: X-Robots-Tag ['absent']" in line for line in noindex.evidence)


def test_an_unreachable_edge_fails_every_check():
    with edge() as url:
        pass  # the server is gone: nothing listens on its port any more
    assert set(statuses(url).values()) == {"fail"}


def test_without_url_the_edge_checks_are_skipped_as_not_configured():
    ctx = Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1"))
    results = run_checks(ctx, edge_checks.CHECKS)
    assert {(r.status.value, r.reason) for r in results} == {("skipped", "not configured")}


def test_robots_txt_is_read_at_the_origin_not_under_the_base_path():
    with edge() as url:
        ctx = Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1"), url=url + "/app", http_timeout=5)
        robots = edge_checks.probe(ctx)["robots"]
    assert robots.url == f"{url}/robots.txt"  # RFC 9309, section 2.3
    assert robots.status == 200


def test_a_robots_txt_behind_authentication_fails_crawlers_may_then_crawl_everything():
    with edge(public_robots=False) as url:
        found = statuses(url)
    assert found == {"edge.auth-required": "pass", "edge.noindex": "pass", "edge.robots-txt": "fail"}
