"""``verify``: checks a deployed stack, read-only, and answers go or no-go.

``command`` is the command-line module (``python -m blueprint verify``: ``configure`` and ``run``);
``registry`` runs the checks of ``checks/`` (network, data stores, keys and secrets, IAM, API, edge)
against an account through ``aws.AwsReader``;
``report`` renders the result (text, Markdown, JSON: ``docs/verify-json.md``); ``policy`` is the read-only
IAM policy the checks need; ``local`` deploys the default stack into a moto server and verifies it
(``make verify-local``).
"""

from __future__ import annotations

#: The default ceiling of an access role's IAM ``MaxSessionDuration``, in seconds (``verify
#: --max-session-seconds``, ``registry.Context.max_session_seconds``): IAM's minimum (IAM API reference,
#: CreateRole ``MaxSessionDuration``: 3600-43200); the broker issues shorter sessions itself. Kept here, a
#: leaf, so that ``verify --help`` need not import the checks (boto3).
DEFAULT_MAX_SESSION_SECONDS = 3600
