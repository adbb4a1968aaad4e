"""Resource folders are found from a checkout (and, in the wheel, under biolake/_resources)."""

from __future__ import annotations

import pytest

from biolake.resources import RESOURCES, resource_dir


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_folders_exist(name: str) -> None:
    folder = resource_dir(name)
    assert folder.is_dir() and (folder / "README.md").is_file()


def test_unknown_resource() -> None:
    with pytest.raises(ValueError, match="unknown resource"):
        resource_dir("nope")
