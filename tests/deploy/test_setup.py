"""CI runs exactly the README's two commands: the install script, then the tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("set ", "cd "))]


def test_ci_runs_the_readme_set_up_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    set_up = readme.split("## Set up", 1)[1]
    block = re.search(r"```bash\n(.*?)```", set_up, re.S)
    assert block is not None
    assert _commands(block.group(1)) == ["bash scripts/setup", "python -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands(ci) == _commands(block.group(1))


def test_scripts_are_valid_bash():
    for script in ("setup", "base-image", "build-image"):
        proc = subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{script}: {proc.stderr}"
