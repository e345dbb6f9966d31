"""Tools around the staging-blueprint Pulumi program: config schema, offline engine, policy runner, reports."""
