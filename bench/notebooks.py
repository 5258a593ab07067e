"""Wall time of each teaching notebook, run top to bottom in a fresh kernel.

Run:  python bench/notebooks.py
Target (issue 5): each notebook under 60 s on the 2-core development machine.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def main() -> None:
    print(f"{'notebook':<32} {'wall':>8}")
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as where:
            client = NotebookClient(
                notebook,
                timeout=600,
                kernel_name="python3",
                resources={"metadata": {"path": where}},
            )
            start = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - start
        print(f"{path.name:<32} {seconds:>6.1f} s   target < 60 s")


if __name__ == "__main__":
    main()
