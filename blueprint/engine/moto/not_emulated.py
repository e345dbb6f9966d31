"""What moto 5.2 does not implement, by type token: these resources are synthesized (ids and ARNs in the
right shape, from ``blueprint.engine.outputs``) so the program's references resolve, and every one is
reported as not emulated. Sources: the moto package itself (``moto/<service>/responses.py`` lists the
operations each service implements) and moto's "Implementation coverage" docs.
"""

from __future__ import annotations

#: type token -> why it cannot be created in moto.
UNIMPLEMENTED: dict[str, str] = {
    "aws:msk/configuration:Configuration": (
        "moto has no MSK CreateConfiguration; its ARN and revision are synthesized (the cluster names them)"
    ),
    "aws:eks/accessEntry:AccessEntry": "moto has no EKS CreateAccessEntry",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "moto has no EKS AssociateAccessPolicy",
    "aws:eks/addon:Addon": "moto has no EKS CreateAddon",
}


def reason(type_token: str) -> str:
    """Why ``type_token`` is not created in moto: a known gap, or no handler in this engine yet."""
    return UNIMPLEMENTED.get(
        type_token, "the moto engine has no handler for this type; its outputs are synthesized"
    )
