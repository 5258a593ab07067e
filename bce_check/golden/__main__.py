"""``python -m bce_check.golden [--write] [--path FILE]``: the same as ``bce-check golden``."""

import sys

from bce_check.cli import run

sys.argv[1:1] = ["golden"]
run()
