"""``python -m blueprint ephemeral``: pull requests' slices of staging (stacks ``pr-<n>``), their lifecycle
through Pulumi's Automation API and the janitor (docs/ephemeral.md)."""
