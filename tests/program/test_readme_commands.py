"""The README's commands name only files that ship: every stack a command previews has its stack file
(at the root or under examples/, copied next to Pulumi.yaml first), and every file argument exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = "\n".join(re.findall(r"```bash\n(.*?)```", README, re.S))


def test_the_readme_shows_how_to_preview_an_example():
    assert re.search(r"cp examples/Pulumi\.(\S+)\.yaml \.\n(?:.*\n)*?make preview STACK=\1", COMMANDS)


def test_every_stack_a_command_names_ships():
    stacks = re.findall(r"STACK=(\S+)", COMMANDS) + re.findall(r"--stack (\S+)", COMMANDS)
    assert stacks
    for stack in stacks:
        name = f"Pulumi.{stack}.yaml"
        assert (ROOT / name).is_file() or (ROOT / "examples" / name).is_file(), name


def test_every_file_argument_ships():
    files = re.findall(r"--(?:policy-config|plan|compare) (\S+)", COMMANDS) + re.findall(
        r"\bcp (\S+) ", COMMANDS
    )
    assert files
    for name in files:
        assert (ROOT / name).is_file(), name
