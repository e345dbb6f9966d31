"""The moto-backed engine: the program deployed into an emulated AWS account.

The recording engine runs the program under ``MotoMocks`` instead of its synthesized answers: each AWS
resource is created in moto through boto3 (in-process ``mock_aws`` for tests, a ``ThreadedMotoServer`` on
127.0.0.1 for ``make verify-local``) and the program gets moto's ids, ARNs and endpoints back. What moto
does not implement is synthesized and reported as not emulated, never passed off as deployed.
"""

from __future__ import annotations

from blueprint.engine.moto.account import AwsClients, EmulatorError, MotoServer, emulated_account, moto_server
from blueprint.engine.moto.deploy import Deployment, deploy_stack, stack_outputs, write_json
from blueprint.engine.moto.mocks import HANDLERS, DeployError, MotoMocks, NoteEntry

__all__ = [
    "HANDLERS",
    "AwsClients",
    "DeployError",
    "Deployment",
    "EmulatorError",
    "MotoMocks",
    "MotoServer",
    "NoteEntry",
    "deploy_stack",
    "emulated_account",
    "moto_server",
    "stack_outputs",
    "write_json",
]
