"""Config of the short-lived-token broker: ``staging-blueprint:tokenBroker``.

(Filled in by the token-broker work; ``access_checks`` holds its cross-field rules.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from blueprint.config_base import ConfigModel, Problem

if TYPE_CHECKING:
    from blueprint.config import StackConfig


class TokenBrokerConfig(ConfigModel):
    """The token broker: IdP, group mappings, session limits, CI trust."""


def access_checks(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Cross-field rules of the token broker (e.g. mapped databases exist)."""
    return ()
