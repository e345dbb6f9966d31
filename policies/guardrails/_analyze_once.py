"""Convert each resource's properties once per ``Analyze`` call, not once per policy.

pulumi-policy 1.21's Analyzer servicer (``pulumi_policy/policy.py``, ``_PolicyAnalyzerServicer.Analyze``)
runs, inside its loop over the policies, ``unknown_checking_proxy(deserialize_properties(
json_format.MessageToDict(request.properties)))`` and the same for the resource's provider. With 80-odd
policies that converts every resource 80-odd times: 0.93 s of the pack's 1.13 s of CPU for the default
stack (``make bench``, "pulumi-policy: properties, options, provider" row, before this module).

``install()`` swaps those three names in ``pulumi_policy.policy`` for memoizing wrappers: the protobuf
message objects seen by the calling thread (gRPC serves requests on a thread pool) map to the same
converted value, so every policy after the first reuses the first one's work, in ``Analyze`` and in
``AnalyzeStack`` (which converts every resource once per stack policy). Identity, not
equality, is the key, and each cache holds a strong reference to its key, so an id cannot be reused
while cached. Anything called with extra arguments (``Remediate`` asks for secret-preserving proxies)
goes straight to pulumi-policy.

What this changes for rules: the policies of one ``Analyze`` call share one property tree instead of
each getting a fresh copy. No rule of this pack writes into its ``args.props``
(``tests/policies/test_analyze_once.py`` runs every rule over the default stack and every example
with and without this module and compares the findings).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

#: How many inputs each thread remembers per function. ``AnalyzeStack`` walks every resource of the
#: stack once per stack policy, so the cache must hold a whole stack's resources (and their providers)
#: to be hit; beyond this many the least recently used entry goes.
_SLOTS = 20_000


class _IdentityMemo:
    """Remembers results of ``fn`` per thread, keyed by the identity of its one argument (LRU)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self._fn = fn
        self._local = threading.local()

    def __call__(self, arg: Any, *extra: Any, **options: Any) -> Any:
        if extra or options:
            return self._fn(arg, *extra, **options)
        cache: OrderedDict[int, tuple[Any, Any]] = self._local.__dict__.setdefault("cache", OrderedDict())
        hit = cache.get(id(arg))
        if hit is not None and hit[0] is arg:
            cache.move_to_end(id(arg))
            return hit[1]
        value = self._fn(arg)
        cache[id(arg)] = (arg, value)  # the key object is kept alive, so its id is not reused
        if len(cache) > _SLOTS:
            cache.popitem(last=False)
        return value


class _JsonFormat:
    """``google.protobuf.json_format`` as pulumi-policy uses it, with ``MessageToDict`` memoized."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.MessageToDict = _IdentityMemo(real.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


#: What ``install`` replaced, for ``uninstall``: name in ``pulumi_policy.policy`` -> original.
_ORIGINALS: dict[str, Any] = {}
_WRAPPED = ("deserialize_properties", "unknown_checking_proxy")


def install() -> None:
    """Memoize pulumi-policy's per-policy property conversion (idempotent).

    Raises:
        AttributeError: the installed pulumi-policy no longer has the names this wraps (a version other
            than the pinned 1.21 changed its servicer): remove this module's ``install()`` call then.
    """
    from pulumi_policy import policy

    if _ORIGINALS:
        return
    _ORIGINALS.update({name: getattr(policy, name) for name in ("json_format", *_WRAPPED)})
    policy.json_format = _JsonFormat(policy.json_format)  # type: ignore[assignment]
    for name in _WRAPPED:
        setattr(policy, name, _IdentityMemo(_ORIGINALS[name]))


def uninstall() -> None:
    """Put pulumi-policy's own functions back (for comparisons in tests and benchmarks)."""
    from pulumi_policy import policy

    for name, original in _ORIGINALS.items():
        setattr(policy, name, original)
    _ORIGINALS.clear()
