"""Wall time of each teaching notebook, run top to bottom in a fresh kernel.

Run:  python bench/notebooks.py            (times them; the notebooks are left as they are)
      python bench/notebooks.py --write    (times them and stores each with its outputs,
                                            images included, in place)
Target (issue 5): each notebook under 60 s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
MAX_STORED_BYTES = 1 << 20  # a notebook with its outputs stays under 1 MB (tests/test_notebooks)


def run(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` executed from scratch in a temporary folder, and its wall time."""
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
        return notebook, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store each notebook with outputs")
    write = parser.parse_args().write
    print(f"{'notebook':<32} {'wall':>8}")
    for path in NOTEBOOKS:
        notebook, seconds = run(path)
        stored = ""
        if write:
            nbformat.write(notebook, path)
            size = path.stat().st_size
            stored = f"   stored with outputs: {size / 1024:.0f} kB"
            if size > MAX_STORED_BYTES:
                stored += f" (over {MAX_STORED_BYTES >> 20} MB: shrink its figures)"
        print(f"{path.name:<32} {seconds:>6.1f} s   target < 60 s{stored}")


if __name__ == "__main__":
    main()
