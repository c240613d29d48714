"""Pick a coaching skill, or go back to free conversation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from coach.skills import Skill

FREE = "free"

SKILL_HINTS: dict[Skill, str] = {
    Skill.GOALS: "what you need, your gaps, who could help",
    Skill.OUTREACH: "write or critique a first message",
    Skill.SESSION_PREP: "agenda, questions, what to send ahead",
    Skill.FEEDBACK: "take candid feedback; your reply is scored",
    Skill.MENTOR_PRACTICE: "lead a session with a simulated protégé",
    Skill.NEXT_STEPS: "next steps with deadlines and results",
}


class SkillPicker(ModalScreen[str | None]):
    """Returns a Skill value, FREE for free conversation, or None when dismissed."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, current: Skill | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content.assemble((skill.label, "bold"), ("  " + SKILL_HINTS[skill], "dim")),
                id=skill.value,
            )
            for skill in Skill
        ]
        options.append(
            Option(Content.assemble(("Free conversation", "bold"), ("  no skill", "dim")), id=FREE)
        )
        with Vertical(classes="dialog"):
            yield Static(Content.styled("What would you like to work on?", "bold"), classes="dialog-title")
            yield OptionList(*options, id="skill-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        current = self.current.value if self.current else FREE
        options.highlighted = options.get_option_index(current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
