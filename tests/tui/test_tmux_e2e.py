"""End to end: the installed `coach` in a real terminal (tmux). Open it, run the outreach flow in guided
mode, wrap up with a next step, accept it, quit, and find the step with `coach steps list`."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

COACH = Path(sys.executable).with_name("coach")


class Terminal:
    def __init__(self, home: Path) -> None:
        self.socket = f"coach-e2e-{uuid.uuid4().hex[:8]}"
        self.home = home

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return result.stdout

    def start(self) -> None:
        env = {
            "COACH_HOME": str(self.home),
            "COACH_CONFIG": str(self.home / "no-config.toml"),
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TERM": "xterm-256color",
        }
        command = "env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u COACH_MODEL -u COLUMNS -u LINES " + " ".join(
            f"{k}={shlex.quote(v)}" for k, v in env.items()
        )
        # After coach exits, print its exit status and keep the pane open so the test can read it.
        command += f" {shlex.quote(str(COACH))}; echo COACH-EXITED=$?; sleep 60"
        subprocess.run(
            ["tmux", "-L", self.socket, "new-session", "-d", "-x", "120", "-y", "40", command],
            check=True,
            timeout=30,
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J")

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")
        if os.environ.get("COACH_E2E_TRACE"):
            time.sleep(0.3)
            with open(os.environ["COACH_E2E_TRACE"], "a") as fh:
                fh.write(f"=== after {text!r}\n{self.screen()}\n")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def terminal(tmp_path: Path):
    if not COACH.exists():
        pytest.skip(f"the coach command is not installed next to {sys.executable}")
    term = Terminal(tmp_path / "home")
    term.home.mkdir()
    term.start()
    yield term
    term.kill()


def test_outreach_then_accepted_next_step_is_in_the_tracker(terminal: Terminal) -> None:
    terminal.wait_for("I'm your mentoring coach", timeout=120)  # the welcome arrives once guidance has loaded

    terminal.keys("C-s")
    terminal.wait_for("What would you like to work on?")
    terminal.keys("Home", "Down", "Enter")
    terminal.wait_for("compose")
    terminal.type("compose")
    answers = [
        ("(1/6)", "Ana Ruiz, staff engineer who ran our platform migration"),
        ("(2/6)", "I am a backend engineer on payments, working towards leading a cross-team project"),
        ("(3/6)", "her write-up of the migration plan"),
        ("(4/6)", "how she decided what to cut when the migration slipped"),
        ("(5/6)", "a 20-minute call"),
        ("(6/6)", "notes from our incident reviews"),
    ]
    for question, answer in answers:
        terminal.wait_for(question)
        terminal.type(answer)
    terminal.wait_for("Proposed tracker change")
    terminal.keys("C-r")  # review: focuses the draft proposal
    terminal.wait_for("a Accept")
    terminal.keys("a")
    terminal.wait_for("Accepted")

    terminal.keys("C-s")
    terminal.wait_for("What would you like to work on?")
    terminal.keys("End", "Up", "Enter")  # Wrap up: next steps
    terminal.wait_for("Wrap up: next steps")
    for question, answer in [
        ("(1/4)", "Send the outreach message to Ana"),
        ("(2/4)", "in two weeks"),
        ("(3/4)", "message sent to Ana"),
        ("(4/4)", "me"),
    ]:
        terminal.wait_for(question)
        terminal.type(answer)
    terminal.wait_for("add step")
    terminal.keys("C-r")
    terminal.wait_for("a Accept")
    terminal.keys("a")
    terminal.wait_for("add step: Send the outreach message to Ana")
    screen = terminal.wait_for("in 14d")  # the tracker panel lists the accepted step
    assert "Send the outreach message to Ana" in screen

    terminal.keys("C-q")
    terminal.wait_for("COACH-EXITED=0", timeout=30)

    env = {**os.environ, "COACH_HOME": str(terminal.home), "COACH_CONFIG": str(terminal.home / "none.toml")}
    listed = subprocess.run(
        [str(COACH), "steps", "list"], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert "Send the outreach message to Ana" in listed.stdout
    assert "message sent to Ana" in listed.stdout
