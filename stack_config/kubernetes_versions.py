"""The Kubernetes minor versions a staging cluster may pin: the EKS support calendar, one table.

Staging runs the minor version production runs, so ``cluster.version`` is pinned and the config rejects a
version that EKS no longer offers under standard support. Each minor version gets 14 months of standard
support on EKS, then 12 months of extended support at an extra cost per cluster hour; the blueprint sets
the cluster's upgrade policy to ``STANDARD``, so EKS upgrades a cluster whose version leaves standard
support instead of billing extended support (EKS User Guide, "Understand the Kubernetes version lifecycle
on EKS", and "Cluster upgrade policy").

The dates below were read on 2026-11-21 from the EKS Kubernetes release calendar (``SOURCE``); 1.33 left
standard support on 2026-07-29 and is no longer offered here. When EKS releases a version, add it here
(and only here), with its dates. Check the live list with ``aws eks describe-cluster-versions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOURCE = (
    "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (Amazon EKS Kubernetes "
    "release calendar)"
)


@dataclass(frozen=True)
class KubernetesVersion:
    """One Kubernetes minor version on EKS.

    Attributes:
        version: ``major.minor`` as the EKS API takes it, e.g. ``1.35``.
        released: the day EKS made it available.
        end_of_standard_support: the last day of standard support; with the ``STANDARD`` upgrade policy
            EKS upgrades the cluster after it.
        end_of_extended_support: the last day of extended support (not used by this blueprint).
    """

    version: str
    released: date
    end_of_standard_support: date
    end_of_extended_support: date


#: version -> its EKS dates, oldest first.
KUBERNETES_VERSIONS: dict[str, KubernetesVersion] = {
    v.version: v
    for v in (
        KubernetesVersion("1.34", date(2025, 10, 6), date(2026, 12, 2), date(2027, 12, 2)),
        KubernetesVersion("1.35", date(2026, 1, 28), date(2027, 3, 27), date(2028, 3, 27)),
    )
}

#: The version new stacks pin: the newest in the table.
DEFAULT_KUBERNETES_VERSION = max(KUBERNETES_VERSIONS, key=lambda v: tuple(int(p) for p in v.split(".")))
