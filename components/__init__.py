"""Pulumi component resources of the staging-blueprint (type tokens ``staging:index:<Type>``)."""
