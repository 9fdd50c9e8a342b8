"""A machine-wide cache of compiled bytecode, kept outside the clone, for fresh environments and clones.

uv installs packages without compiling them (``pip --no-compile``), and a fresh clone has no ``__pycache__``,
so every fresh ``make test`` compiled what it imported on first import: about 2,400 modules, 8.5 s of CPU
for site-packages alone, most of it while pytest starts (pytest's assertion rewriting of the test modules and
of its plugins' packages came on top, in each worker), and again in each subprocess that first imported a
package (Schemathesis, the servers). The same source compiles to the same code wherever it lies, so the
compiled code is kept once per source content, and written beside each new copy of that source:

- ``save`` (``make test`` does it at the end): every compiled module under the given directories that is
  current for its source, by the check its loader makes (the source's mtime and size, or its hash), is
  stored under the source's hash and size and the pyc's tag (``cpython-311``, or
  ``cpython-311-pytest-9.2.0`` for a module pytest rewrote).
- ``restore`` (``make`` does it when it builds the environment): a source without a compiled module whose
  hash is in the cache gets it, with the header its loader checks made for that source (its mtime and size,
  or its hash), as the loader would have written it. A source edited later fails that check and is compiled
  again, as always. Both loaders (importlib's, pytest's) set the code's file name to where they found it.

Usage, with the environment's interpreter: ``python scripts/bytecode_cache.py restore|save CACHE [DIR ...]``
(DIR: the directories besides site-packages). Stdlib only; it prints one line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path

MAGIC = importlib.util.MAGIC_NUMBER
HEADER = 16
"""A pyc's header: the magic number, flags, then its source's mtime and size, or its hash (PEP 552)."""
TIMESTAMP = bytes(4)
"""The flags of a pyc checked by its source's mtime and size; any other flags, by its source's hash."""
TAG = sys.implementation.cache_tag


def _directories(roots: list[Path]) -> Iterator[tuple[str, list[str], set[str]]]:
    """Each directory under ``roots`` that holds ``.py`` files: its path, their names, and the names in its
    ``__pycache__``."""
    for root in roots:
        for directory, subdirectories, files in os.walk(root):
            pycache = "__pycache__" in subdirectories
            subdirectories[:] = [name for name in subdirectories if name != "__pycache__"]
            sources = [name for name in files if name.endswith(".py")]
            if sources:
                yield (
                    directory,
                    sources,
                    set(os.listdir(os.path.join(directory, "__pycache__"))) if pycache else set(),
                )


def _key(digest: bytes, source: bytes) -> str:
    """A source's name in the cache: its hash (``importlib.util.source_hash``, ``digest``) and size."""
    return f"{digest.hex()}-{len(source)}"


def _tag_directory(cache: Path, tag: str) -> str:
    return os.path.join(cache, f"{tag}-{MAGIC.hex()}")


def _entry(cache: Path, tag: str, key: str) -> str:
    return os.path.join(_tag_directory(cache, tag), key[:2], key)


def _header(flags: bytes, digest: bytes, stat: os.stat_result) -> bytes:
    """The header a loader checks, for a source of hash ``digest`` and ``stat``: its mtime and size, or its
    hash."""
    if flags != TIMESTAMP:
        return MAGIC + flags + digest
    mtime, size = int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF
    return MAGIC + flags + mtime.to_bytes(4, "little") + size.to_bytes(4, "little")


def _current(pyc: bytes, digest: bytes, stat: os.stat_result, pyc_stat: os.stat_result) -> bool:
    """Whether ``pyc`` was compiled from the source of hash ``digest`` and ``stat``. Its header must be the
    one its loader checks; and one checked by mtime and size must also be younger than its source: a source
    edited within the second it was compiled in, to the same size, has the same stamp, which the cache must
    never keep for the edit."""
    if pyc[:HEADER] != _header(pyc[4:8], digest, stat):
        return False
    return pyc[4:8] != TIMESTAMP or stat.st_mtime_ns < pyc_stat.st_mtime_ns


def _write(path: str, data: bytes) -> None:
    """Whole or absent, whoever else writes it at the same time."""
    scratch = f"{path}.{os.getpid()}.tmp"
    with open(scratch, "wb") as file:
        file.write(data)
    os.replace(scratch, path)


def _sources(
    roots: list[Path], tags_for: Callable[[str, set[str]], list[str]]
) -> Iterator[tuple[str, str, str, bytes, list[str]]]:
    """Each source under ``roots`` for which ``tags_for(stem, names in its __pycache__)`` names tags: its
    ``__pycache__``, stem, path, content and those tags."""
    for directory, sources, compiled in _directories(roots):
        for name in sources:
            tags = tags_for(name[:-3], compiled)
            if not tags:
                continue
            path = os.path.join(directory, name)
            try:
                with open(path, "rb") as file:
                    source = file.read()
            except OSError:
                continue
            yield os.path.join(directory, "__pycache__"), name[:-3], path, source, tags


def save(roots: list[Path], cache: Path) -> str:
    """Each current compiled module, as its flags and code, under its tag and its source's hash and size."""

    def compiled_tags(stem: str, compiled: set[str]) -> list[str]:
        prefix = f"{stem}.{TAG}"
        return [
            pyc[len(stem) + 1 : -4] for pyc in compiled if pyc.startswith(prefix) and pyc.endswith(".pyc")
        ]

    stored = 0
    for pycache, stem, source_path, source, tags in _sources(roots, compiled_tags):
        with contextlib.suppress(OSError):
            stat, digest = os.stat(source_path), importlib.util.source_hash(source)
            for tag in tags:
                entry = _entry(cache, tag, _key(digest, source))
                pyc_path = os.path.join(pycache, f"{stem}.{tag}.pyc")
                with open(pyc_path, "rb") as file:
                    pyc = file.read()
                if os.path.exists(entry) or not _current(pyc, digest, stat, os.stat(pyc_path)):
                    continue
                os.makedirs(os.path.dirname(entry), exist_ok=True)
                _write(entry, pyc[4:8] + pyc[HEADER:])
                stored += 1
    return f"bytecode cache: {stored} compiled modules saved to {cache}"


def restore(roots: list[Path], cache: Path) -> str:
    """Each source without a compiled module, for each tag, whose compiled code is in the cache."""
    kept: dict[str, set[str]] = {}
    for tag_directory in cache.glob(f"{TAG}*-{MAGIC.hex()}"):
        kept[tag_directory.name.rsplit("-", 1)[0]] = {entry.name for entry in tag_directory.glob("*/*")}

    def missing_tags(stem: str, compiled: set[str]) -> list[str]:
        return [tag for tag in kept if f"{stem}.{tag}.pyc" not in compiled]

    restored = 0
    for pycache, stem, source_path, source, tags in _sources(roots, missing_tags):
        digest = importlib.util.source_hash(source)
        key = _key(digest, source)
        with contextlib.suppress(OSError):
            for tag in tags:
                if key not in kept[tag]:
                    continue
                with open(_entry(cache, tag, key), "rb") as file:
                    code = file.read()
                os.makedirs(pycache, exist_ok=True)
                header = _header(code[:4], digest, os.stat(source_path))
                _write(os.path.join(pycache, f"{stem}.{tag}.pyc"), header + code[4:])
                restored += 1
    return f"bytecode cache: {restored} compiled modules restored from {cache}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["restore", "save"])
    parser.add_argument("cache", type=Path)
    parser.add_argument("directories", type=Path, nargs="*", help="besides site-packages")
    arguments = parser.parse_args()
    roots = [Path(sysconfig.get_paths()["purelib"]), *arguments.directories]
    print((save if arguments.action == "save" else restore)(roots, arguments.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
