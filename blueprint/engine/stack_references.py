"""Offline answers for a stack that builds on another one (a pull request's slice of ``staging``).

Under the real engine a slice reads its baseline through ``pulumi.StackReference`` and looks up the shared
EKS cluster and VPC with invokes. Offline, the baseline stack file is run first under the recording mocks;
its exported outputs answer the ``StackReference`` read, and its recorded resources answer
``aws:eks/getCluster`` and ``aws:ec2/getVpc`` by name and id, so the slice sees exactly the values the
baseline's own preview shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from blueprint.engine.graph import StackGraph, unwrap
from blueprint.engine.stack_files import StackSettings, read_stack
from stack_config.base import NAMESPACE, decode_value

STACK_REFERENCE = "pulumi:pulumi:StackReference"


class BaselineError(Exception):
    """The slice names a baseline whose stack file is missing or whose run fails."""


class Baselines:
    """The recorded runs of the stacks a program references, by stack name."""

    def __init__(self, graphs: Mapping[str, StackGraph]) -> None:
        self.graphs = dict(graphs)

    def read(self, name: str) -> dict[str, Any]:
        """The outputs of a ``StackReference`` to ``name`` (``org/project/stack`` or ``stack``).

        Raises:
            BaselineError: no recorded run of that stack.
        """
        stack = name.rsplit("/", 1)[-1]
        graph = self.graphs.get(stack)
        if graph is None:
            raise BaselineError(f"no offline run of stack {stack!r} to answer StackReference {name!r}")
        return {"name": name, "outputs": unwrap(graph.outputs), "secretOutputNames": []}

    def invoke(self, token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        """The answer to an invoke about a baseline resource, or None when it is not one of those."""
        finder = _INVOKES.get(token)
        if finder is None:
            return None
        for graph in self.graphs.values():
            for record in graph.resources:
                found = finder(record.type, unwrap(record.outputs), args)
                if found is not None:
                    return found
        return None


def _eks_cluster(type_: str, outputs: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, Any] | None:
    if type_ != "aws:eks/cluster:Cluster" or outputs.get("name") != args.get("name"):
        return None
    return {**outputs, "certificateAuthorities": [outputs.get("certificateAuthority") or {"data": ""}]}


def _vpc(type_: str, outputs: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, Any] | None:
    if type_ != "aws:ec2/vpc:Vpc" or outputs.get("id") != args.get("id"):
        return None
    return dict(outputs)


_INVOKES: dict[str, Callable[[str, Mapping[str, Any], Mapping[str, Any]], dict[str, Any] | None]] = {
    "aws:eks/getCluster:getCluster": _eks_cluster,
    "aws:ec2/getVpc:getVpc": _vpc,
}


def baseline_of(settings: StackSettings) -> str | None:
    """The baseline stack a slice's config names (``ephemeral.baseline``, default ``staging``), else None."""
    section = decode_value(settings.config.get(f"{NAMESPACE}:ephemeral"))
    if not isinstance(section, dict):
        return None
    baseline = section.get("baseline", "staging")
    return baseline if isinstance(baseline, str) else None


def record_baselines(
    settings: StackSettings, project_dir: Path, run: Callable[[StackSettings, Path], StackGraph]
) -> Baselines:
    """Run the baseline of ``settings`` (if it is a slice) with ``run``; empty for a full stack.

    Raises:
        BaselineError: the baseline's stack file is missing or its run fails.
    """
    baseline = baseline_of(settings)
    if baseline is None or baseline == settings.stack:
        return Baselines({})
    path = project_dir / f"Pulumi.{baseline}.yaml"
    if not path.is_file():
        raise BaselineError(f"the slice's baseline stack file {path.name} is missing (ephemeral.baseline)")
    try:
        graph = run(read_stack(project_dir, baseline), project_dir)
    except Exception as exc:
        raise BaselineError(f"the baseline stack {baseline!r} fails offline: {exc}") from exc
    return Baselines({baseline: graph})
