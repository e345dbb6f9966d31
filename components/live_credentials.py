"""Shapes of live (production) credentials of well-known third-party providers: staging keeps test
versions of payment gateways and sandboxed third-party APIs only, so a vault secret shaped like a live key
fails the deployment.

Each shape names its source. Matching is on the value's shape only (a prefix and the characters after
it); nothing is sent anywhere and the value is never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveKeyShape:
    """One provider's live-key shape.

    Attributes:
        provider: who issues it, e.g. ``Stripe``.
        kind: what it is, e.g. ``live secret key``.
        pattern: regular expression searched for anywhere in the value (a JSON secret holding the key in
            a field is caught too).
        test_version: what staging should hold instead.
        source: the document that states the shape.
    """

    provider: str
    kind: str
    pattern: re.Pattern[str]
    test_version: str
    source: str


_STRIPE_KEYS = "https://docs.stripe.com/keys"
#: Stripe's own pattern for live keys, given to GitLab's secret detection (gitlab-org/gitlab issue 458019):
#: ``(sk|rk)_live_[0-9a-z]{10,128}``, case-insensitive; test keys carry ``_test_`` instead.
LIVE_KEY_SHAPES: tuple[LiveKeyShape, ...] = (
    LiveKeyShape(
        "Stripe",
        "live secret key (sk_live_)",
        re.compile(r"(?<![A-Za-z0-9])sk_live_[0-9a-z]{10,128}", re.IGNORECASE),
        "a test-mode key (sk_test_...)",
        _STRIPE_KEYS,
    ),
    LiveKeyShape(
        "Stripe",
        "live restricted key (rk_live_)",
        re.compile(r"(?<![A-Za-z0-9])rk_live_[0-9a-z]{10,128}", re.IGNORECASE),
        "a test-mode restricted key (rk_test_...)",
        _STRIPE_KEYS,
    ),
)


def live_key_shape(value: str) -> LiveKeyShape | None:
    """The first live-key shape ``value`` contains, or None."""
    return next((shape for shape in LIVE_KEY_SHAPES if shape.pattern.search(value)), None)


def live_key_message(secret_name: str, shape: LiveKeyShape) -> str:
    """The error naming the secret and the shape, never the value."""
    return (
        f"vault secret {secret_name!r} holds a value shaped like a {shape.provider} {shape.kind}: staging "
        f"must not hold production third-party credentials. Store {shape.test_version} instead "
        f"(pulumi config set --secret <key> <value>); the value is not shown. Source: {shape.source}"
    )
