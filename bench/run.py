"""Run every benchmark in bench/ (one command: `make bench`); each prints its ratio to a floor."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run")))
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        failed += subprocess.call([sys.executable, str(script)], cwd=HERE) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
