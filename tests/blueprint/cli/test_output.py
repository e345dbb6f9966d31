"""``blueprint.cli.output``: output that is not a terminal is not wrapped at 80 columns; text is literal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.table import Table
from rich.text import Text

from blueprint.cli import output

LONG = "arn:aws:iam::123456789012:role/staging-blueprint-access-readonly-with-a-long-name-[secret]"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _table() -> Table:
    table = Table()
    for column in ("status", "resource", "why"):
        table.add_column(column)
    table.add_row("drift", LONG, "a reason that is long enough to need more than eighty columns")
    return table


def test_a_pipe_without_columns_gets_a_wide_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    output.console(file=out).print(_table())
    rows = [line for line in out.getvalue().splitlines() if "drift" in line]
    assert len(rows) == 1 and LONG in rows[0] and len(rows[0]) > 80
    assert output.width_for(out) == output.PIPE_WIDTH > 80


@pytest.mark.parametrize(("columns", "expected"), [("123", 123), ("0", None), ("wide", None), ("", None)])
def test_columns_is_honoured_when_it_is_a_width(
    columns: str, expected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert output.width_for(io.StringIO()) == (expected or output.PIPE_WIDTH)


def test_a_terminal_keeps_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert output.width_for(Tty()) is None


def test_markup_and_emoji_codes_print_as_written(capsys: Any) -> None:
    out = io.StringIO()
    output.console(file=out).print("[/x] [bold]b[/bold] :key: [secret]")
    assert out.getvalue() == "[/x] [bold]b[/bold] :key: [secret]\n"
    output.error("[/x]/plan.yaml: [red]gone[/red]")
    assert capsys.readouterr().err == "error: [/x]/plan.yaml: [red]gone[/red]\n"


def test_export_text_is_plain_and_keeps_brackets() -> None:
    text = output.export_text(Text("[private] value"))
    assert text == "[private] value\n"
