"""The teaching notebooks run top to bottom (their own assertions included), from scratch:
each is committed with its outputs (``python bench/notebooks.py --write``), which the run
here clears first and never compares.  Their run times are measured by bench/notebooks.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
HANG_GUARD_SECONDS = 600  # per cell: stops a hung kernel; speed is measured by the bench
MAX_STORED_BYTES = 1 << 20  # with outputs (images included) a notebook stays under 1 MB


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_sigmoid.ipynb",
        "02_bce_gradient.ipynb",
        "03_logistic_regression.ipynb",
        "04_softmax.ipynb",
        "05_your_derivation.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_under_1_mb(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(isinstance(c.execution_count, int) for c in code), "run bench/notebooks.py --write"
    stored = [o for c in code for o in c.outputs]
    assert stored and not [o for o in stored if o.get("output_type") == "error"]
    assert path.stat().st_size < MAX_STORED_BYTES


def _cleared(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as if never run: the stored outputs play no part in the run below."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path, tmp_path):
    notebook = _cleared(nbformat.read(path, as_version=4))
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
