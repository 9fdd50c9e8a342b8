"""Put the locked ``uv`` into a venv made without pip: the Makefile installs every lock with it.

``python3 -m venv`` spends about 6 s here installing pip (ensurepip), and pip then takes 12-20 s for the
~110 locked packages; ``venv --without-pip`` and uv take about 4 s for all of it. uv comes from its wheel in
the wheelhouse, taken only when the wheel's SHA-256 is one the lock file lists for the pinned version (as
``pip --require-hashes`` would check it); its binary is the wheel's ``uv-<version>.data/scripts/uv``.
Without that wheel it exits with status 3: the Makefile then fills the wheelhouse as it does for any lock
(``fill_wheelhouse``: ``pip download --require-hashes``, the registry needed once per new pin) and runs
it again.

Usage: python scripts/bootstrap_uv.py LOCK WHEELHOUSE VENV   (run with the environment's own python)
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

MISSING = 3
"""Exit status when the wheelhouse lacks the locked uv (the Makefile then fills it)."""
PIN = re.compile(r"^uv==(?P<version>\S+)(?P<hashes>(?:\s*\\\s*--hash=sha256:[0-9a-f]{64})+)", re.MULTILINE)


def locked_uv(lock: Path) -> tuple[str, frozenset[str]]:
    """The pinned version and its allowed SHA-256 hashes."""
    match = PIN.search(lock.read_text())
    if match is None:
        raise SystemExit(f"bootstrap_uv: {lock} pins no uv (uv==VERSION with --hash=sha256:...)")
    return match["version"], frozenset(re.findall(r"sha256:([0-9a-f]{64})", match["hashes"]))


def sha256(path: Path) -> str:
    with path.open("rb") as wheel:
        return hashlib.file_digest(wheel, "sha256").hexdigest()


def checked_wheel(wheelhouse: Path, version: str, hashes: frozenset[str]) -> Path | None:
    """The wheelhouse's wheel of this uv whose hash the lock lists, if there is one."""
    return next((p for p in sorted(wheelhouse.glob(f"uv-{version}-*.whl")) if sha256(p) in hashes), None)


def main(lock: Path, wheelhouse: Path, venv: Path) -> None:
    version, hashes = locked_uv(lock)
    wheel = checked_wheel(wheelhouse, version, hashes)
    if wheel is None:
        missing = f"no wheel of uv {version} in {wheelhouse} has a hash {lock} lists"
        print(f"bootstrap_uv: {missing}", file=sys.stderr)
        raise SystemExit(MISSING)
    target = venv / "bin" / "uv"
    with zipfile.ZipFile(wheel) as archive:
        target.write_bytes(archive.read(f"uv-{version}.data/scripts/uv"))
    target.chmod(0o755)
    subprocess.run([target, "--version"], check=True, stdout=subprocess.DEVNULL)  # this machine can run it


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
