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
        source: the documents that state the shape (read 2026-12-07).
        evidence: ``provider docs`` when the provider's own documentation states the live form, else what
            it rests on (a third-party page, the test form's documented shape).
    """

    provider: str
    kind: str
    pattern: re.Pattern[str]
    test_version: str
    source: str
    evidence: str = "provider docs"


_STRIPE_KEYS = "https://docs.stripe.com/keys"
#: Providers whose live secret keys share Stripe's ``sk_live_`` prefix, test keys ``sk_test_`` (each
#: provider's API-key page, read 2026-12-07): PayMongo, Moyasar, LotusPay.
_SK_LIVE_SOURCES = (
    f"{_STRIPE_KEYS}; https://developers.paymongo.com/docs/authentication-api-keys; "
    "https://docs.moyasar.com/guides/dashboard/get-your-api-keys; "
    "https://juspay.io/in/docs/lotuspay/web/base-integration/base-urls"
)
#: Stripe's own pattern for live keys, given to GitLab's secret detection (gitlab-org/gitlab issue 458019):
#: ``(sk|rk)_live_[0-9a-z]{10,128}``, case-insensitive; test keys carry ``_test_`` instead.
LIVE_KEY_SHAPES: tuple[LiveKeyShape, ...] = (
    LiveKeyShape(
        "Stripe",
        "live secret key (sk_live_; PayMongo, Moyasar and LotusPay live keys share the prefix)",
        re.compile(r"(?<![A-Za-z0-9])sk_live_[0-9a-z]{10,128}", re.IGNORECASE),
        "a test-mode key (sk_test_...)",
        _SK_LIVE_SOURCES,
    ),
    LiveKeyShape(
        "Stripe",
        "live restricted key (rk_live_)",
        re.compile(r"(?<![A-Za-z0-9])rk_live_[0-9a-z]{10,128}", re.IGNORECASE),
        "a test-mode restricted key (rk_test_...)",
        _STRIPE_KEYS,
    ),
    # Nexi Checkout: "Each key is prefixed with a string that identifies their type, for example
    # live-secret-key-" (the characters after it are not documented: 16 or more letters and digits).
    LiveKeyShape(
        "Nexi Checkout",
        "live secret API key (live-secret-key-)",
        re.compile(r"(?<![A-Za-z0-9-])live-secret-key-[A-Za-z0-9]{16,}"),
        "the test environment's secret key (test-secret-key-...)",
        "https://developer.nexigroup.com/nexi-checkout/en-EU/docs/access-your-integration-keys/",
    ),
    # Mollie documents a test key as test_ plus 30 letters and digits (test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM);
    # its docs name the "Live API key" without showing it: the live_ prefix rests on the mollie-api-go
    # client's documentation.
    LiveKeyShape(
        "Mollie",
        "live API key (live_)",
        re.compile(r"(?<![A-Za-z0-9_])live_[A-Za-z0-9]{30}(?![A-Za-z0-9])"),
        "the website profile's Test API key (test_...)",
        "https://docs.mollie.com/reference/authentication; https://deepwiki.com/VictorAvelar/mollie-api-go/3.1-api-keys",
        "weaker: the live_ prefix is from a client library's documentation, the length from the test key",
    ),
    # Razorpay's docs say live and test modes have separate key pairs but do not show the key id's form;
    # rzp_live_ / rzp_test_ rest on a third-party integration write-up.
    LiveKeyShape(
        "Razorpay",
        "live-mode key id (rzp_live_)",
        re.compile(r"(?<![A-Za-z0-9_])rzp_live_[A-Za-z0-9]{8,}"),
        "a Test mode key pair (rzp_test_...)",
        "https://razorpay.com/docs/payments/dashboard/test-live-modes/; "
        "https://lab.asquaresolution.com/failures/razorpay-test-live-key-mismatch",
        "weaker: the prefix is from a third-party page",
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
