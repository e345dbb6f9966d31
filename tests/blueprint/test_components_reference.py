"""docs/components.md is generated from the components and stays in sync; every argument and output is
described there."""

from __future__ import annotations

from blueprint.devtools.components_reference import DOC, components, render


def test_the_components_document_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "run `venv/bin/python -m blueprint.devtools.components_reference --write`"
    )


def test_every_component_argument_and_output_is_described():
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    blank = [row for row in rows if row.rstrip().endswith("|  |")]
    assert blank == []


def test_every_component_is_documented():
    names = {c.__name__ for c in components()}
    assert {"SecretVault", "Network", "Database", "KafkaCluster", "RabbitMqBroker", "TokenBroker"} <= names
    assert all(f"## `{name}`" in render() for name in names)
