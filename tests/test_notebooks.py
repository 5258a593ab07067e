"""The teaching notebooks run top to bottom (their own assertions included) and are
committed without outputs.  Their run times are measured by bench/notebooks.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
HANG_GUARD_SECONDS = 600  # per cell: stops a hung kernel; speed is measured by the bench


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_sigmoid.ipynb",
        "02_bce_gradient.ipynb",
        "03_logistic_regression.ipynb",
        "04_softmax.ipynb",
        "05_your_derivation.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=HANG_GUARD_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on any error or failed assertion
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # %load_ext bce_check in the first cell: each notebook shows a derivation as mathematics
    assert [o for o in outputs if "text/markdown" in o.get("data", {})]
