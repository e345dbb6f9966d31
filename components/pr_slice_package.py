"""The slice provisioner's Lambda deployment package, assembled at preview time from files on this machine.

The archive holds ``slice_provisioner/*.py`` (functions/slice_provisioner/) and the installed copies of the
pure-Python distributions pinned in ``functions/slice_provisioner/requirements.txt`` (pg8000 and its
dependencies): their modules, ``METADATA`` and license files, never ``__pycache__``, ``RECORD`` or the
installer's own files, so that the same pins give the same archive on every machine. Every bundled file is
checked against the sha256 its wheel recorded in ``RECORD`` (PEP 376/627); a modified or missing file, a
missing distribution or another version stops the program with the fix (``pip install -r requirements.txt``,
which pins the same versions). A Lambda ``.zip`` is unpacked under ``/var/task``, which is on the Python
runtime's ``sys.path`` (Lambda Developer Guide, "Working with .zip file archives for Python Lambda
functions"), so ``pg8000/`` at the archive's root is importable by the handler.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import re
from collections.abc import Mapping
from pathlib import Path

import pulumi

PROVISIONER_DIR = "functions/slice_provisioner"
REQUIREMENTS = f"{PROVISIONER_DIR}/requirements.txt"
#: The RDS CA bundle (``global-bundle.pem`` from RDS; see the handler's docstring), bundled as
#: ``slice_provisioner/rds-ca-bundle.pem`` when present: ``make provisioner-ca-bundle`` downloads it.
CA_BUNDLE = "rds-ca-bundle.pem"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")
_LICENSE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)


def pinned(requirements: Path) -> dict[str, str]:
    """``{distribution: version}`` of every ``name==version`` line of ``requirements`` (hash options ignored).

    Raises:
        ValueError: the file is missing or pins nothing.
    """
    if not requirements.is_file():
        raise ValueError(f"{requirements} not found; run Pulumi from the project directory")
    pins = {}
    for line in requirements.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    if not pins:
        raise ValueError(f"{requirements} pins no distribution (expected lines like pg8000==1.31.6)")
    return pins


def _wanted(relative: str) -> bool:
    parts = relative.split("/")
    if parts[0] == ".." or "__pycache__" in parts or relative.endswith((".pyc", ".pyo")):
        return False
    if parts[0].endswith(".dist-info"):
        return parts[-1] == "METADATA" or bool(_LICENSE.match(parts[-1])) or "licenses" in parts
    return True


def _recorded_sha256(path: Path, expected: str, name: str) -> None:
    digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
    if digest != expected:
        raise ValueError(
            f"{path} differs from the {name} wheel's RECORD; reinstall it: pip install --force-reinstall "
            f"-r {REQUIREMENTS}"
        )


def distribution_files(name: str, version: str) -> dict[str, Path]:
    """The installed files of distribution ``name`` to bundle: ``{archive path: file}``.

    Raises:
        ValueError: ``name`` is not installed, is another version, or a file is missing or modified.
    """
    fix = "pip install -r requirements.txt"
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise ValueError(
            f"{name}=={version} (bundled into the slice provisioner) is not installed: {fix}"
        ) from None
    if dist.version != version:
        raise ValueError(f"{name} {dist.version} is installed; the provisioner bundles {version}: {fix}")
    files: dict[str, Path] = {}
    for entry in dist.files or []:
        relative = entry.as_posix()
        if not _wanted(relative):
            continue
        path = Path(str(entry.locate()))
        if not path.is_file():
            raise ValueError(f"{path} of {name} is missing: pip install --force-reinstall -r {REQUIREMENTS}")
        if entry.hash is not None and entry.hash.mode == "sha256":
            _recorded_sha256(path, entry.hash.value, name)
        files[relative] = path
    return files


def package_files(project_dir: Path = Path()) -> dict[str, Path]:
    """Every file of the provisioner's package, ``{archive path: file}``, sorted by archive path:
    ``slice_provisioner/<module>.py``, the RDS CA bundle when present, and the pinned distributions' files.

    Raises:
        ValueError: the provisioner's modules or requirements are not found (run the program from the
            project directory), or a pinned distribution is not installed as pinned.
    """
    modules = sorted((project_dir / PROVISIONER_DIR).glob("*.py"))
    if not modules:
        raise ValueError(f"{PROVISIONER_DIR}/*.py not found; run Pulumi from the project directory")
    files = {f"slice_provisioner/{m.name}": m for m in modules}
    bundle = project_dir / PROVISIONER_DIR / CA_BUNDLE
    if bundle.is_file():
        files[f"slice_provisioner/{CA_BUNDLE}"] = bundle
    for name, version in pinned(project_dir / REQUIREMENTS).items():
        files.update(distribution_files(name, version))
    return dict(sorted(files.items()))


def provisioner_archive(files: Mapping[str, Path]) -> pulumi.AssetArchive:
    """``package_files()`` as a ``pulumi.AssetArchive`` of ``FileAsset`` s (the engine zips it for Lambda)."""
    return pulumi.AssetArchive({k: pulumi.FileAsset(str(v)) for k, v in files.items()})
