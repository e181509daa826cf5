"""Shared fixtures: the repository root, a scratch directory, Excel-saved workbooks, LibreOffice.

A test that needs LibreOffice takes the ``libreoffice`` fixture (it returns :func:`lo_inspect`)
or carries ``@pytest.mark.libreoffice``. Without LibreOffice such a test is skipped on a
developer machine but fails when ``CI`` is set: a missing LibreOffice in CI is an error, not a
reason to pass.

Unit tests take the few Excel-saved workbooks they need from ``tests/fixtures/`` (:data:`FIXTURES`),
so that the suite passes in a fresh clone. Only the corpus-wide checks read the whole corpus
(:func:`require_corpus`): it lives beside the repository in ``../shared/corpus/excel/`` or where
``KQXL_CORPUS`` points; without it those checks skip, and fail when ``CI`` is set.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from libreoffice import lo_available, lo_inspect

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"
CORPUS = Path(os.environ.get("KQXL_CORPUS") or REPO_ROOT.parent / "shared" / "corpus" / "excel")


@functools.cache
def _lo_ready() -> bool:
    return lo_available()


def require_libreoffice() -> None:
    """Skip (or, under ``CI``, fail) when LibreOffice with the UNO bridge is missing."""
    if _lo_ready():
        return
    message = "LibreOffice (soffice + python3-uno for /usr/bin/python3) is not installed"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the LibreOffice tests", pytrace=False)
    pytest.skip(message)


def require_corpus() -> Path:
    """The corpus folder; skip (or, under ``CI``, fail) when it is not there."""
    if CORPUS.is_dir():
        return CORPUS
    message = f"Excel corpus not found at {CORPUS} (set KQXL_CORPUS to its folder)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the corpus checks", pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("libreoffice") is not None:
        require_libreoffice()


@pytest.fixture
def libreoffice() -> Callable[..., list[dict[str, Any]]]:
    """:func:`libreoffice.lo_inspect`, after making sure LibreOffice is there."""
    require_libreoffice()
    return lo_inspect


@pytest.fixture(scope="session")
def team_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sample team (master + four rep workbooks), built once; copy before writing."""
    from kqxl.demo import build_team
    from kqxl.rules import load_rules

    folder = tmp_path_factory.mktemp("team") / "team"
    build_team(folder, load_rules(None))
    return folder


@pytest.fixture
def repo_root() -> Path:
    """The repository root (holds ``kqxl/``, ``workbooks/``, ``tests/``)."""
    return REPO_ROOT


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    """A fresh empty directory for this test."""
    return tmp_path
