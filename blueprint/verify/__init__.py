"""``verify``: checks a deployed stack, read-only, and answers go or no-go.

``command`` is the CLI (``python -m blueprint verify``); ``registry`` runs the checks of ``checks/``
(network, data stores, keys and secrets, IAM, API, edge) against an account through ``aws.AwsReader``;
``report`` renders the result (text, Markdown, JSON: ``docs/verify-json.md``); ``policy`` is the read-only
IAM policy the checks need; ``local`` deploys the default stack into a moto server and verifies it
(``make verify-local``).
"""

from __future__ import annotations
