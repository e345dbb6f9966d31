"""``python -m blueprint parity``: the shipped staging/production pair differs only where intended; an
injected version mismatch fails; declarations follow the exemption rules (expiry, horizon)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from blueprint.cli import main
from blueprint.engine import PROJECT_DIR, read_stack, run_stack
from blueprint.engine.graph import StackGraph
from blueprint.review.parity import Side, compare, identity, side_of
from blueprint.review.parity_command import render_markdown
from stack_config import NAMESPACE, load_stack_config
from stack_config.parity import ParityDeclaration

ROOT = PROJECT_DIR


def _side(stack: str) -> Side:
    settings = read_stack(ROOT, stack)
    cfg = load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    return side_of(stack, cfg, run_stack(settings))


@pytest.fixture(scope="module")
def pair() -> tuple[Side, Side]:
    return _side("staging"), _side("production")


def _declared_expiry() -> dt.date:
    config = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    return min(dt.date.fromisoformat(d["expires"]) for d in config["staging-blueprint:parity"])


def test_the_shipped_pair_differs_only_by_intended_sizes(pair):
    staging, production = pair
    report = compare(staging, production, on=_declared_expiry() - dt.timedelta(days=30))
    assert not report.fails
    assert {f.status for f in report.findings} == {"identical", "intended"}
    intended = {(f.identity, f.property): f for f in report.findings if f.status == "intended"}
    # what Pulumi.production.yaml sets bigger than Pulumi.staging.yaml:
    assert set(intended) == {
        ("db-orders/db-orders-instance", "instanceClass"),
        ("db-orders/db-orders-instance", "allocatedStorage"),
        ("db-orders/db-orders-instance", "maxAllocatedStorage"),
        ("db-orders/db-orders-instance", "multiAz"),
        ("broker-events/broker-events-cluster", "instanceType"),
        ("broker-events/broker-events-cluster", "volumeSize"),
        ("broker-tasks/broker-tasks-broker", "hostInstanceType"),
        ("broker-tasks/broker-tasks-broker", "deploymentMode"),
        *((f"network/network-nat-{i}", "presence") for i in (1, 2)),  # perAz NAT over 3 AZs
        *((f"network/network-nat-{i}-eip", "presence") for i in (1, 2)),
    }
    assert intended[("db-orders/db-orders-instance", "instanceClass")].reason.startswith(
        "declared by staging parity[0]"
    )
    assert (
        intended[("db-orders/db-orders-instance", "multiAz")].reason
        == "size-only difference (intended by default)"
    )
    engine = next(
        f
        for f in report.findings
        if f.identity == "db-orders/db-orders-instance" and f.property == "engineVersion"
    )
    assert (engine.status, engine.a, engine.b) == ("identical", "17.6", "17.6")


def _with_engine_version(graph: StackGraph, name: str, version: str) -> StackGraph:
    resources = []
    for r in graph.resources:
        changed = {**r.__dict__, "inputs": {**r.inputs, "engineVersion": version}} if r.name == name else None
        resources.append(type(r)(**changed) if changed else r)
    return StackGraph(graph.project, graph.stack, resources, graph.outputs)


def test_an_injected_version_mismatch_fails(pair):
    staging, production = pair
    drifted = Side(
        production.stack,
        production.environment,
        _with_engine_version(production.graph, "db-orders-instance", "17.7"),
        production.declarations,
    )
    report = compare(staging, drifted, on=_declared_expiry() - dt.timedelta(days=30))
    assert report.fails
    failing = [(f.identity, f.property, f.status, f.a, f.b) for f in report.findings if f.fails]
    assert failing == [("db-orders/db-orders-instance", "engineVersion", "drift", "17.6", "17.7")]


def test_declarations_lapse_after_their_date_and_beyond_the_horizon(pair):
    staging, production = pair
    expiry = _declared_expiry()
    lapsed = compare(staging, production, on=expiry + dt.timedelta(days=1))
    statuses = {d.status for d in lapsed.declarations}
    assert statuses == {"expired"}
    klass = next(
        f for f in lapsed.findings if f.property == "instanceClass" and f.identity.startswith("db-orders")
    )
    assert (klass.status, klass.category, klass.fails) == ("drift", "config", False)  # another family: drift
    too_early = compare(staging, production, on=expiry - dt.timedelta(days=120))
    assert {d.status for d in too_early.declarations} == {"invalid"}
    assert "more than 90 days ahead" in too_early.declarations[0].problems[0]


def test_a_declaration_explains_a_version_difference(pair):
    staging, production = pair
    today = dt.date(2026, 12, 1)
    declaration = ParityDeclaration(
        resource="db-orders/*",
        property="engineVersion",
        reason="production upgrades first, staging follows in a week",
        owner="data-team",
        expires="2026-12-20",
    )
    drifted = Side(
        production.stack,
        production.environment,
        _with_engine_version(production.graph, "db-orders-instance", "17.7"),
        (declaration,),
    )
    report = compare(staging, drifted, on=today)
    engine = next(
        f
        for f in report.findings
        if f.property == "engineVersion" and f.identity == "db-orders/db-orders-instance"
    )
    assert (engine.status, engine.fails) == ("intended", False)
    assert "data-team" in engine.reason


def test_logical_identity_strips_the_environment(pair):
    _, production = pair
    names = {
        identity(r, {x.urn: x for x in production.graph.resources}, "production")
        for r in production.graph.resources
    }
    assert "vault/vault-secret-<env>/payments/psp-api-key" in names


def test_cli_exit_codes_and_formats(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", (_declared_expiry() - dt.timedelta(days=30)).isoformat())
    assert main(["parity", "staging", "production", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fails"] is False and data["counts"]["drift"] == 0
    assert main(["parity", "staging", "nope"]) == 2
    assert "Pulumi.nope.yaml" in capsys.readouterr().err


def test_cli_exits_1_on_a_version_mismatch_in_the_production_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", (_declared_expiry() - dt.timedelta(days=30)).isoformat())
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").symlink_to(ROOT / "__main__.py")
    (tmp_path / "functions").symlink_to(ROOT / "functions")
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    (tmp_path / "Pulumi.staging.yaml").write_text((ROOT / "Pulumi.staging.yaml").read_text())
    production = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text())
    production["config"]["staging-blueprint:brokers"][0]["engineVersion"] = "3.9.x"
    (tmp_path / "Pulumi.production.yaml").write_text(yaml.safe_dump(production))
    code = main(["parity", "staging", "production", "--project-dir", str(tmp_path), "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "| **drift** (version) | `broker-events/broker-events-cluster` | `kafkaVersion` | 3.8.x | 3.9.x |"
        in out
    )


def test_markdown_folds_intended_rows_and_says_why_a_drift_counts(pair):
    staging, production = pair
    drifted = Side(
        production.stack,
        production.environment,
        _with_engine_version(production.graph, "db-orders-instance", "17.7"),
        (),
    )
    markdown = render_markdown(compare(staging, drifted, on=dt.date(2026, 12, 1)))
    shown, folded = markdown.split("<details><summary>", 1)
    drift = next(line for line in shown.splitlines() if "`engineVersion`" in line)
    assert drift.startswith("| **drift** (version) |")
    assert drift.rstrip(" |").endswith("staging-blueprint:parity with a reason, owner and expiry")
    assert "intended difference(s)" in folded.split("</summary>", 1)[0]
    assert "| intended (size) |" in folded and "| intended" not in shown
