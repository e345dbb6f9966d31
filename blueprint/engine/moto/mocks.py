"""``MotoMocks``: Pulumi mocks whose answers come from moto.

Every custom AWS resource the program registers is created in the emulated account by its handler
(``network``, ``identity``, ``data``, ``api``), and the program gets back what moto assigned (VPC,
subnet and security group ids, ARNs, endpoints, key ids), so references between resources carry real
values. A type without a handler is synthesized (``blueprint.engine.outputs``) and noted as not
emulated, with the reason. Components (``staging:index:*``) exist only in Pulumi and are answered as the
recording engine answers them.

Registrations arrive from the SDK's executor threads; handlers run one at a time (moto's in-memory
backends are not built for concurrent writers, and the order stays reproducible).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from botocore.exceptions import BotoCoreError, ClientError

from blueprint.engine.graph import unwrap
from blueprint.engine.moto import api, data, identity, kubernetes, network
from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import Handler, NotEmulated, Registration
from blueprint.engine.moto.invokes import answer_invoke
from blueprint.engine.moto.not_emulated import reason
from blueprint.engine.outputs import synthesize_outputs
from blueprint.engine.stack_files import StackSettings

#: Type token -> handler creating it in moto.
HANDLERS: dict[str, Handler] = {
    **network.HANDLERS,
    **identity.HANDLERS,
    **data.HANDLERS,
    **api.HANDLERS,
    **kubernetes.HANDLERS,
}


class DeployError(Exception):
    """moto rejected a resource; the message names the resource and moto's error."""


@dataclass
class NoteEntry:
    """A ``NotEmulated`` note and the logical names of the resources it concerns."""

    note: NotEmulated
    resources: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.note.type,
            "what": self.note.what,
            "reason": self.note.reason,
            "resources": sorted(self.resources),
        }


class MotoMocks(pulumi.runtime.Mocks):
    """Mocks that create each registered AWS resource in the emulated account ``aws``.

    Attributes:
        notes: what the account does not hold or do, by (type, what), in first-seen order.
        created: (type token, logical name, id) of every resource created in moto, in order.
    """

    def __init__(self, settings: StackSettings, aws: AwsClients) -> None:
        self.stack = settings.stack
        self.aws = aws
        self.notes: dict[tuple[str, str], NoteEntry] = {}
        self.created: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs: Mapping[str, Any] = args.inputs
        handler = HANDLERS.get(args.typ)
        if not args.custom or (handler is None and not args.typ.startswith("aws:")):
            return synthesize_outputs(args.typ, args.name, inputs, self.aws.region, self.stack)
        with self._lock:
            if handler is None:
                self._note(NotEmulated(args.typ, "resource", reason(args.typ)), args.name)
                return synthesize_outputs(args.typ, args.name, inputs, self.aws.region, self.stack)
            registration = Registration(args.typ, args.name, unwrap(dict(inputs)), self.stack)
            try:
                created = handler(self.aws, registration)
            except (ClientError, BotoCoreError, KeyError, ValueError, TypeError, NotImplementedError) as exc:
                raise DeployError(f"{args.typ} {args.name!r}: {type(exc).__name__}: {exc}") from exc
            for note in created.notes:
                self._note(note, args.name)
            self.created.append((args.typ, args.name, created.id))
        return created.id, {**inputs, **created.outputs, "id": created.id}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        with self._lock:
            return answer_invoke(self.aws, args.token, args.args), []

    def _note(self, note: NotEmulated, resource: str) -> None:
        entry = self.notes.setdefault((note.type, note.what), NoteEntry(note))
        entry.resources.append(resource)
