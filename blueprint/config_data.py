"""Config of the data plane: ``staging-blueprint:databases`` and ``staging-blueprint:brokers``.

(Filled in by the data-plane work; ``data_plane_checks`` holds its cross-field rules.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from blueprint.config_base import ConfigModel, Problem

if TYPE_CHECKING:
    from blueprint.config import StackConfig


class DatabaseConfig(ConfigModel):
    """One PostgreSQL database (RDS instance or Aurora cluster)."""

    name: str


class BrokerConfig(ConfigModel):
    """One message broker (Kafka on MSK or RabbitMQ on Amazon MQ)."""

    name: str


def data_plane_checks(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Cross-field rules of databases and brokers (e.g. broker count vs. AZ count)."""
    return ()
