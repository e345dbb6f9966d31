"""The one redaction step every config problem passes through, over arbitrary secrets (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stack_config.base import Problem

#: Text every line below holds whatever the secret: the marker, the namespace, the keys and the message. A
#: secret that is part of it (``blue`` in ``staging-blueprint``) would be "found" without any leak.
FIXED = "[secret] staging-blueprint:tags. staging-blueprint:dbPassword: unknown key"
secrets = st.text(min_size=4, max_size=40).filter(lambda s: s.strip() == s and s not in FIXED)
around = st.text(max_size=30)


@given(secrets, around, around)
def test_a_secret_inside_a_message_value_or_path_never_survives(secret, before, after):
    problem = Problem(
        f"tags.{before}{secret}", {"value": before + secret + after}, f"{before}{secret}{after}"
    )
    line = problem.redacted([secret]).render()
    assert secret not in line and repr(secret)[1:-1] not in line
    assert "[secret]" in line


@given(secrets)
def test_a_hidden_value_is_never_rendered(secret):
    line = Problem("dbPassword", secret, "unknown key", hidden=True).redacted([]).render()
    assert secret not in line and "(got" not in line
