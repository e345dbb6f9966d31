"""The review kit: what a pull request changes and whether it still holds.

- ``compare``: the change between a base preview (the target branch's JSON) and this one, matched by URN,
  with property-level input diffs and the policy findings that appeared or disappeared
  (``python -m blueprint preview --compare BASE.json``).
- ``parity`` / ``parity_rules``: two stacks (e.g. staging and production) through the offline engine,
  resources matched by logical identity, a curated list of parity properties compared per type, intended
  differences declared in the stack config (``python -m blueprint parity STACK_A STACK_B``).
- ``contracts``: topic contracts (``schemas/``) changed against a git base, checked under their declared
  compatibility mode (``python -m blueprint contracts``; also part of ``preview``).

Renderings that join the preview report (the Mermaid diagram, SARIF) live in ``blueprint.report``.
"""
