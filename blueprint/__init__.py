"""Tools around the staging-blueprint program: config schema, offline engine, policy runner, reports."""
