"""Convert each resource's properties once per ``Analyze`` call, not once per policy.

pulumi-policy 1.21's Analyzer servicer (``pulumi_policy/policy.py``, ``_PolicyAnalyzerServicer.Analyze``)
runs, inside its loop over the policies, ``unknown_checking_proxy(deserialize_properties(
json_format.MessageToDict(request.properties)))`` and the same for the resource's provider. With 80-odd
policies that converts every resource 80-odd times: 0.93 s of the pack's 1.13 s of CPU for the default
stack (``make bench``, "pulumi-policy: properties, options, provider" row, before this module).

``install()`` swaps those three names in ``pulumi_policy.policy`` for memoizing wrappers and wraps the
servicer's ``Analyze`` and ``AnalyzeStack`` so that the memo lives for one call on one thread: within a
call the same protobuf message object maps to the same converted value, so every policy after the first
reuses the first one's work (``AnalyzeStack`` converts every resource once per stack policy without it).
Identity, not equality, is the key, and each cache holds a strong reference to its key, so an id cannot
be reused while cached. Outside those two calls, and for anything called with extra arguments
(``Remediate`` asks for secret-preserving proxies), the wrappers go straight to pulumi-policy.

What this changes for rules: the policies of one ``Analyze`` call share one property tree instead of
each getting a fresh copy. No rule of this pack writes into its ``args.props``
(``tests/policies/test_analyze_once.py`` sends every violating and compliant case of the rule tests
through the servicer with and without this module and compares the responses byte for byte).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: Per thread (gRPC serves requests on a thread pool): one cache per memoized function, alive for one
#: ``Analyze`` or ``AnalyzeStack`` call only, so memory stays bounded by the request being served.
_CALL = threading.local()


class _IdentityMemo:
    """Remembers results of ``fn`` within the current call, keyed by the identity of its one argument."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self._fn = fn

    def __call__(self, arg: Any, *extra: Any, **options: Any) -> Any:
        caches: dict[int, dict[int, tuple[Any, Any]]] | None = getattr(_CALL, "caches", None)
        if extra or options or caches is None:
            return self._fn(arg, *extra, **options)
        cache = caches.setdefault(id(self), {})
        hit = cache.get(id(arg))
        if hit is not None and hit[0] is arg:
            return hit[1]
        value = self._fn(arg)
        cache[id(arg)] = (arg, value)  # the key object is kept alive, so its id is not reused
        return value


def _one_call(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with the memo caches of its thread opened before and dropped after it."""

    @functools.wraps(method)
    def serve(*args: Any, **kwargs: Any) -> Any:
        _CALL.caches = {}
        try:
            return method(*args, **kwargs)
        finally:
            _CALL.caches = None

    return serve


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
_CALLS = ("Analyze", "AnalyzeStack")


def install() -> None:
    """Memoize pulumi-policy's per-policy property conversion (idempotent).

    Raises:
        AttributeError: the installed pulumi-policy no longer has the names this wraps (a version other
            than the pinned 1.21 changed its servicer): remove this module's ``install()`` call then.
    """
    from pulumi_policy import policy

    if _ORIGINALS:
        return
    servicer = policy._PolicyAnalyzerServicer
    _ORIGINALS.update({name: getattr(policy, name) for name in ("json_format", *_WRAPPED)})
    _ORIGINALS.update({name: getattr(servicer, name) for name in _CALLS})
    policy.json_format = _JsonFormat(policy.json_format)  # type: ignore[assignment]
    for name in _WRAPPED:
        setattr(policy, name, _IdentityMemo(_ORIGINALS[name]))
    for name in _CALLS:
        setattr(servicer, name, _one_call(_ORIGINALS[name]))


def uninstall() -> None:
    """Put pulumi-policy's own functions back (for comparisons in tests and benchmarks)."""
    from pulumi_policy import policy

    for name, original in _ORIGINALS.items():
        setattr(policy._PolicyAnalyzerServicer if name in _CALLS else policy, name, original)
    _ORIGINALS.clear()
