from bce_check.cli import run

run()
