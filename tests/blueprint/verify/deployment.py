"""The default stack deployed into an in-process moto account, and ``verify`` run against it (the CLI,
``--format json``), for the verify tests."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from blueprint import cli
from blueprint.engine import PROJECT_DIR, read_stack
from blueprint.engine.moto import AwsClients, Deployment, deploy_stack, emulated_account, write_json

REGION = "eu-west-1"
#: What a go report of the default stack holds besides passes: the MSK
#: bootstrap brokers cannot be read from moto, and the edge is not checked without --url.
EXPECTED_SKIPS = {
    "kafka.bootstrap-brokers": "not emulated",
    "edge.auth-required": "not configured",
    "edge.noindex": "not configured",
    "edge.robots-txt": "not configured",
}


@dataclass
class Deployed:
    """The deployment, its account, and the files ``verify`` reads."""

    aws: AwsClients
    deployment: Deployment
    outputs: Path
    notes: Path

    def output(self, *path: str) -> Any:
        value: Any = self.deployment.outputs()
        for key in path:
            value = value[key]
        return value


@contextlib.contextmanager
def deployed_stack(folder: Path) -> Iterator[Deployed]:
    with emulated_account(REGION) as aws:
        deployment = deploy_stack(read_stack(PROJECT_DIR, "staging"), aws)
        outputs, notes = folder / "outputs.json", folder / "emulation-notes.json"
        write_json(outputs, deployment.outputs())
        write_json(notes, deployment.notes_json())
        yield Deployed(aws, deployment, outputs, notes)


def run_verify(capsys: pytest.CaptureFixture[str], outputs: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """``python -m blueprint verify --outputs <outputs> --format json <extra>``: (exit code, report)."""
    capsys.readouterr()
    code = cli.main(["verify", "--outputs", str(outputs), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(check, subject) -> status, with the skip reason: ``skipped (not emulated)``."""
    return {
        (c["id"], c["subject"]): c["status"] + (f" ({c['reason']})" if c["reason"] else "")
        for c in report["checks"]
    }


def expected(check: str) -> str:
    """What a check of the deployed default stack reports when nothing is broken."""
    return f"skipped ({EXPECTED_SKIPS[check]})" if check in EXPECTED_SKIPS else "pass"


def assert_only(report: dict[str, Any], failing: str) -> None:
    """``failing`` fails (for at least one subject) and every other check reports what it does unbroken."""
    assert report["verdict"] == "no-go"
    assert report["summary"]["failing"] == [failing]
    for (check, subject), status in statuses(report).items():
        if check != failing:
            assert status == expected(check), (check, subject, status)
