"""What ``pip install .`` (not editable) ships: every Python package and every data file the code reads."""

from __future__ import annotations

import fnmatch
import tomllib

from .conftest import ROOT

ROOTS = ("graph", "web", "loaders", "beltgraph")


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_is_listed():
    """A listed package does not bring its subpackages: graph.usecases once went missing from wheels."""
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".") for r in ROOTS for p in (ROOT / r).rglob("__init__.py")}
    assert found == set(_setuptools()["packages"])


def _globbed(path: str, pattern: str) -> bool:
    """``path`` matched by a setuptools glob: ``*`` stays within one folder.

    >>> _globbed("templates/a/b.html", "templates/*.html"), _globbed("templates/a/b.html", "templates/*/*.html")
    (False, True)
    """
    parts, pats = path.split("/"), pattern.split("/")
    return len(parts) == len(pats) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts, pats))


def test_every_data_file_is_package_data():
    data = _setuptools()["package-data"]
    for r in ("graph", "web", "loaders"):
        files = [p.relative_to(ROOT / r).as_posix() for p in (ROOT / r).rglob("*")
                 if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
        missing = [f for f in files if not any(_globbed(f, pattern) for pattern in data.get(r, []))]
        assert not missing, f"{r}: not shipped by [tool.setuptools.package-data]: {missing}"
