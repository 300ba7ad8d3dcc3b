"""Fixtures of the model tests."""

from pathlib import Path

import pytest

from tests.models.support import VECTORS_DIR


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The protocol vectors directory (``tests/data/vectors``)."""
    assert VECTORS_DIR.is_dir(), f"protocol vectors not found at {VECTORS_DIR}"
    return VECTORS_DIR
