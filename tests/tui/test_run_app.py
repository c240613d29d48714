"""`coach` with bad settings stops with a readable message instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def test_invalid_settings_exit_with_a_clear_message() -> None:
    env = {**os.environ, "COACH_TEMPERATURE": "hot"}
    result = subprocess.run(
        [sys.executable, "-c", "from tui.app import run_app; run_app()"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "settings are invalid" in result.stderr and "temperature" in result.stderr
    assert "Traceback" not in result.stderr
