"""The package as pip builds it (pyproject's build backend, flit_core): every
file under searchkit/ that the code reads at run time is in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_data_and_templates(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("searchkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "searchkit"
    wanted = {
        f"searchkit/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert {"searchkit/data/sources.tsv", "searchkit/py.typed", "searchkit/web/templates/search.html",
            "searchkit/web/static/style.css", "searchkit/web/__init__.py"} <= wanted
    assert {n for n in names if n.startswith("searchkit/")} == wanted
    entry_points = zipfile.ZipFile(wheel).read("searchkit-0.1.0.dist-info/entry_points.txt").decode()
    assert "searchkit = searchkit.client:main" in entry_points.replace("searchkit=", "searchkit = ")
