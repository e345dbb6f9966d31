"""Run the pipeline's steps in order, skipping those already done; print the plan for ``--dry-run``."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from blueprint.refresh import aws
from blueprint.refresh.engine import MaskReport
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.pipeline import STEPS, Refresh

#: What each step does, for ``--dry-run`` and the progress lines.
DESCRIPTIONS = {
    "key": "put a new HMAC key version for this run into {secret}",
    "production-snapshot": "snapshot production instance {production} as {production_snapshot}",
    "rekey": "copy it as {rekeyed}, re-encrypted with the sanitizing CMK {scratch_key}",
    "restore-source": "restore {rekeyed} into instance {source} (subnet group {subnets}, security groups "
    "{sgs}, not public); RDS-managed master password, no automated backups",
    "create-target": "create empty instance {masked} (same engine version, encrypted with {scratch_key})",
    "mask": "mask database {database} from {source} into {masked} by {rules}; run the assertions",
    "snapshot-masked": "snapshot {masked} as {masked}",
    "copy-for-staging": "copy it as {staging}, re-encrypted with the share CMK {share_key}",
    "share": "share {staging} with staging account {account} (never public)",
    "cleanup": "delete instances {source} and {masked} and snapshots {intermediates}",
}


def describe(refresh: Refresh) -> list[str]:
    """One line per step of ``refresh`` (what ``--dry-run`` prints); makes no AWS call."""
    plan, name = refresh.plan, refresh.name
    new = plan.production.snapshot == "new"
    values = {
        "secret": plan.hmac_key_secret_arn,
        "production": plan.production.db_instance_identifier,
        "production_snapshot": name("production") if new else "(its newest automated snapshot)",
        "rekeyed": name("rekeyed"),
        "scratch_key": plan.scratch.kms_key_id,
        "source": name("source"),
        "subnets": plan.scratch.db_subnet_group_name,
        "sgs": ", ".join(plan.scratch.vpc_security_group_ids),
        "masked": name("masked"),
        "database": plan.scratch.database_name,
        "rules": plan.rules,
        "staging": name("staging"),
        "share_key": plan.share.kms_key_id,
        "account": plan.share.staging_account_id,
        "intermediates": ", ".join(name(r) for r in (("production",) if new else ()) + ("rekeyed", "masked")),
    }
    lines = [f"{i}. {step}: {DESCRIPTIONS[step].format(**values)}" for i, step in enumerate(STEPS, 1)]
    if not new:
        lines[1] = (
            "2. production-snapshot: use the newest automated snapshot of "
            + plan.production.db_instance_identifier
        )
    return lines


def _method(refresh: Refresh, step: str, kind: str) -> object:
    return getattr(refresh, f"{step.replace('-', '_')}_{kind}", None)


def _first_step(refresh: Refresh) -> int:
    """Where to start: after ``share`` when the staging snapshot is already shared (a finished run)."""
    shared = aws.guarded("share", refresh.share_done)
    return STEPS.index("cleanup") if shared else 0


def execute(refresh: Refresh, console: Console) -> tuple[str, MaskReport | None]:
    """Run every step not yet done; returns (ARN of the shared snapshot, the mask report if masking ran).

    Raises:
        RefreshError: a step failed (its ``step`` says where to resume); nothing is shared unless the
            ``share`` step passed, and production is never modified.
    """
    report: MaskReport | None = None
    first = _first_step(refresh)
    if first:
        console.print(
            Text(f"- {STEPS[0]} ... {STEPS[first - 1]}: already done (the staging snapshot is shared)", "dim")
        )
    for step in STEPS[first:]:
        done = _method(refresh, step, "done")
        if callable(done) and aws.guarded(step, done):
            console.print(Text(f"- {step}: already done", "dim"))
            continue
        result = aws.guarded(step, _method(refresh, step, "run"))  # type: ignore[arg-type]
        if isinstance(result, MaskReport):
            report = result
        console.print(Text.assemble(("✓", "green"), f" {step}"))
    arn = aws.guarded("share", refresh.shared_snapshot_arn)
    if not arn:
        raise RefreshError("share", ["the staging snapshot is missing"])
    return arn, report
