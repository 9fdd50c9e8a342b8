"""scripts/bytecode_cache.py: compiled modules kept per source content and written beside a new copy of it,
with the header their loader checks; never beside a source they were not compiled from."""

from __future__ import annotations

import os
import py_compile
import shutil
import subprocess
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source, source_hash
from pathlib import Path

import pytest

from scripts.bytecode_cache import restore, save

SOURCE = "def answer() -> int:\n    return 42\n"


def _tree(root: Path, source: str = SOURCE) -> Path:
    module = root / "package" / "module.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("")
    module.write_text(source)
    return module


def _pyc(module: Path) -> Path:
    return Path(cache_from_source(str(module)))


@pytest.mark.parametrize(
    "mode", [py_compile.PycInvalidationMode.TIMESTAMP, py_compile.PycInvalidationMode.CHECKED_HASH]
)
def test_a_new_copy_gets_the_code_with_a_header_for_itself(
    tmp_path: Path, mode: py_compile.PycInvalidationMode
) -> None:
    cache = tmp_path / "cache"
    original = _tree(tmp_path / "first")
    py_compile.compile(str(original), invalidation_mode=mode, doraise=True)
    assert "1 compiled modules saved" in save([tmp_path / "first"], cache)
    assert "0 compiled modules saved" in save([tmp_path / "first"], cache)  # kept once

    copy = _tree(tmp_path / "second")
    os.utime(copy, (1_000_000_000, 1_000_000_000))  # another mtime than the original's
    assert "1 compiled modules restored" in restore([tmp_path / "second"], cache)

    restored = _pyc(copy).read_bytes()
    assert restored[16:] == _pyc(original).read_bytes()[16:]  # the same code
    if mode is py_compile.PycInvalidationMode.TIMESTAMP:
        expected = (0).to_bytes(4, "little") + (1_000_000_000).to_bytes(4, "little")
        assert restored[:16] == MAGIC_NUMBER + expected + len(SOURCE).to_bytes(4, "little")
    else:
        assert restored[:16] == MAGIC_NUMBER + (3).to_bytes(4, "little") + source_hash(SOURCE.encode())


def test_python_loads_the_restored_module_without_compiling(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    py_compile.compile(str(_tree(tmp_path / "first")), doraise=True)
    save([tmp_path / "first"], cache)
    copy = _tree(tmp_path / "second")
    restore([tmp_path / "second"], cache)
    loaded = subprocess.run(
        [
            sys.executable,
            "-v",
            "-c",
            "import package.module as m; print(m.answer(), m.answer.__code__.co_filename)",
        ],
        cwd=tmp_path / "second",
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert loaded.stdout == f"42 {copy}\n"
    assert f"# {_pyc(copy)} matches {copy}" in loaded.stderr


def test_a_source_that_differs_gets_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    py_compile.compile(str(_tree(tmp_path / "first")), doraise=True)
    save([tmp_path / "first"], cache)
    edited = _tree(tmp_path / "second", SOURCE.replace("42", "43"))
    assert "0 compiled modules restored" in restore([tmp_path / "second"], cache)
    assert not _pyc(edited).exists()


def test_a_compiled_module_older_than_its_source_is_not_saved(tmp_path: Path) -> None:
    module = _tree(tmp_path / "first")
    py_compile.compile(str(module), doraise=True)
    module.write_text(SOURCE.replace("42", "43"))  # edited after it was compiled: the pyc is stale
    assert "0 compiled modules saved" in save([tmp_path / "first"], tmp_path / "cache")


def test_an_existing_compiled_module_is_left_as_it_is(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    py_compile.compile(str(_tree(tmp_path / "first")), doraise=True)
    save([tmp_path / "first"], cache)
    shutil.copytree(tmp_path / "first", tmp_path / "second")
    assert "0 compiled modules restored" in restore([tmp_path / "second"], cache)
