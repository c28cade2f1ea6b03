"""Run the CLI in-process as a person would from a shell: argv in, exit code and output out."""

from __future__ import annotations

import io
import sys

import pytest

from app.cli import main as cli_main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of ``python -m app.cli *argv`` with ``stdin`` as its input."""
    old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = cli_main(argv)
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err
