"""Deploy a stack into an emulated account and write its outputs as ``pulumi stack output`` does.

``deploy_stack`` runs ``__main__.py`` for the stack under ``MotoMocks`` through the recording engine
(so the registrations are recorded exactly as for ``preview``) after seeding the account with what a real
account must already hold (``ACCOUNT_PREREQUISITES``). The result carries the graph, what was created
in moto and what was not emulated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint.engine.graph import StackGraph, plain_numbers, redact
from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.mocks import MotoMocks, NoteEntry
from blueprint.engine.recording import PROJECT_DIR, run_stack
from blueprint.engine.stack_files import StackSettings
from components.aws_limits import GITHUB_AUDIENCE, GITHUB_OIDC_HOST
from stack_config import StackConfig, load_stack_config
from stack_config.base import NAMESPACE


def _github_provider(aws: AwsClients, cfg: StackConfig) -> str | None:
    """The account's GitHub OIDC provider, which the program looks up (IAM allows one per URL per account)
    when ``tokenBroker.ci`` names neither ``providerArn`` nor ``createProvider``."""
    ci = cfg.token_broker.ci if cfg.token_broker is not None else None
    if ci is None or ci.provider_arn is not None or ci.create_provider:
        return None
    aws("iam").create_open_id_connect_provider(
        Url=f"https://{GITHUB_OIDC_HOST}", ClientIDList=[GITHUB_AUDIENCE], ThumbprintList=[]
    )
    return f"IAM OpenID Connect provider https://{GITHUB_OIDC_HOST} (looked up by tokenBroker.ci)"


#: What a real account holds before the first ``pulumi up`` and the program looks up rather than creates:
#: each seeds it (when the config needs it) and returns a description, or None.
ACCOUNT_PREREQUISITES: tuple[Callable[[AwsClients, StackConfig], str | None], ...] = (_github_provider,)


@dataclass
class Deployment:
    """A stack deployed into moto.

    Attributes:
        graph: every registration, as the recording engine records it (outputs are moto's).
        created: (type token, logical name, id) of each resource created in moto, in order.
        not_emulated: what the account does not hold or do (type, what, reason, resources).
        prerequisites: what was seeded into the account before deploying.
    """

    graph: StackGraph
    created: list[tuple[str, str, str]]
    not_emulated: list[NoteEntry]
    prerequisites: list[str] = field(default_factory=list)

    def outputs(self) -> dict[str, Any]:
        """The stack outputs as ``pulumi stack output --json`` prints them (see ``stack_outputs``)."""
        return stack_outputs(self.graph)

    def notes_json(self) -> dict[str, Any]:
        """What ``verify --emulation-notes`` reads: ``{"notEmulated": [...], "prerequisites": [...]}``."""
        return {
            "notEmulated": sorted(
                (entry.to_json() for entry in self.not_emulated), key=lambda n: (n["type"], n["what"])
            ),
            "prerequisites": list(self.prerequisites),
        }


def deploy_stack(settings: StackSettings, aws: AwsClients, project_dir: Path = PROJECT_DIR) -> Deployment:
    """Deploy the program for ``settings`` into the emulated account behind ``aws``.

    Raises:
        stack_config.ConfigError: the stack config is invalid.
        blueprint.engine.ProgramError: the program failed, or moto rejected a resource (the message names
            it and moto's error).
    """
    cfg = load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    seeded = [found for seed in ACCOUNT_PREREQUISITES if (found := seed(aws, cfg)) is not None]
    holder: list[MotoMocks] = []

    def mocks(stack_settings: StackSettings) -> MotoMocks:
        holder.append(MotoMocks(stack_settings, aws))
        return holder[-1]

    graph = run_stack(settings, project_dir, mocks=mocks)
    return Deployment(graph, holder[0].created, list(holder[0].notes.values()), seeded)


def stack_outputs(graph: StackGraph) -> dict[str, Any]:
    """The stack exports in the shape of ``pulumi stack output --json --show-secrets``: a JSON object of
    exports, numbers as numbers. Secret exports are written as ``[secret]`` (the default stack exports
    none: secrets are exported as ARNs only), so the file never holds a secret value."""
    return plain_numbers(redact(graph.outputs))


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` as indented JSON (UTF-8, trailing newline)."""
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
