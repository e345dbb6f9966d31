"""Reading groups from the JWT claims the way API Gateway's JWT authorizer passes them."""

from __future__ import annotations

import pytest

from functions.token_broker.claims import identity_from_event, parse_groups
from functions.token_broker.responses import ApiError


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        ("[platform dev]", ("platform", "dev")),
        ("[platform]", ("platform",)),
        ("[]", ()),
        ('["platform","dev"]', ("platform", "dev")),
        ("platform,dev", ("platform", "dev")),
        ("platform, dev ,qa", ("platform", "dev", "qa")),
        ("platform dev", ("platform", "dev")),
        ("  platform  ", ("platform",)),
        ("[platform dev", ("platform", "dev")),
        ("[dev dev platform]", ("dev", "platform")),
        (["platform", " dev ", 7, None, ["nested"], ""], ("platform", "dev")),
        ('["a", 1, {"b": 2}]', ("a",)),
        ("", ()),
        (None, ()),
        (42, ()),
        ({"platform": True}, ()),
    ],
)
def test_parse_groups(value, groups):
    assert parse_groups(value) == groups


def _event(claims: object) -> dict:
    return {"requestContext": {"authorizer": {"jwt": {"claims": claims}}}}


def test_identity_reads_sub_and_the_configured_group_claim():
    identity = identity_from_event(_event({"sub": "alice", "roles": "[a b]", "groups": "[c]"}), "roles")
    assert (identity.subject, identity.groups) == ("alice", ("a", "b"))


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"requestContext": {"authorizer": {"lambda": {"sub": "alice"}}}},
        _event("sub=alice"),
        _event({"sub": "   "}),
        _event({"sub": ["alice"]}),
    ],
)
def test_identity_requires_claims_with_a_sub(event):
    with pytest.raises(ApiError) as raised:
        identity_from_event(event, "groups")
    assert (raised.value.status, raised.value.code) == (401, "unauthenticated")
