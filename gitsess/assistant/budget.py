"""Token zones: the context left until auto-compaction (DESIGN.md §5).

Claude Code compacts a conversation when 77.5 % of its window is used (155K of
200K, 775K of 1M): that is the usable space. A zone is named by the share of the
usable space still free (the MacEff policy's CLUAC figure), so every zone is
reached before compaction whatever the window. One table, `ZONES`, drives
`git sess status`, the UserPromptSubmit hook, `git sess statusline` and the
table in CONTEXT_MANAGEMENT.md (a test checks the template against
`zone_table`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Claude Code keeps this share of the window back (45,000 of 200,000 tokens);
# auto-compaction starts when the rest is full.
COMPACTION_RESERVE = 0.225
EXPORT_COMMAND = "git sess new --from-transcript"
CHECKPOINT_COMMAND = "git sess checkpoint --from-transcript"
REFLECTION_COMMAND = 'git sess new "Reflection" --type reflection'


@dataclass(frozen=True)
class Zone:
    name: str
    left_at_most: float  # the zone starts when this share of the usable space is left
    saves: str | None  # what the zone asks for: "export", "checkpoint", or nothing
    todo: str  # what to do, for the table in CONTEXT_MANAGEMENT.md


# Widest first. Export is asked for from 20 % left, so the request comes while at
# least 10 % is left unless one reply takes more than a tenth of the usable space.
ZONES = (
    Zone("normal", 1.0, None, "keep working; export at milestones"),
    Zone("export", 0.20, "export", f"export now, while there is room: `{EXPORT_COMMAND}`"),
    Zone("checkpoint", 0.05, "checkpoint", f"write a checkpoint (CLUAC5): `{CHECKPOINT_COMMAND}`"),
    Zone("final", 0.01, "export", f"the final reflection (JOTEWR): `{REFLECTION_COMMAND}`"),
    Zone("past", 0.0, "checkpoint", f"compaction is due: `{CHECKPOINT_COMMAND}` at once"),
)
ZONE_NAMES = tuple(zone.name for zone in ZONES)
WARNING_ZONES = ZONE_NAMES[1:]  # the UserPromptSubmit hook speaks once in each


def zone_of(left: float, used_all: bool) -> Zone:
    """The zone for `left` (share of the usable space free); `used_all`: none is."""
    if used_all:
        return ZONES[-1]
    return [zone for zone in ZONES[:-1] if left <= zone.left_at_most][-1]


def zone_table() -> str:
    """The zone table of CONTEXT_MANAGEMENT.md, in Markdown."""
    rows = [
        "| context left until auto-compaction | zone | what to do |",
        "| --- | --- | --- |",
    ]
    bounds = [f"{zone.left_at_most * 100:g} %" for zone in ZONES]
    spans = [
        f"more than {bounds[1]}",
        *(f"{high} down to {low}" for high, low in zip(bounds[1:-2], bounds[2:-1], strict=True)),
        f"{bounds[-2]} or less",
        "none: 77.5 % of the window is used",
    ]
    for span, zone in zip(spans, ZONES, strict=True):
        rows.append(f"| {span} | {zone.name} | {zone.todo} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Budget:
    tokens: int
    window: int
    export: str = EXPORT_COMMAND  # with `--continues` once the conversation has an export
    exported_at: int | None = None  # the context of this conversation's last export
    checkpointed_at: int | None = None  # the context of its latest checkpoint
    window_rule: str = "config"  # which rule decided the window (`window.py`)
    window_reason: str = ""  # in words
    conversation: str | None = None  # its id, named in the commands it advises
    compact_at: int | None = None  # where the assistant compacts, when not Claude Code's share

    @property
    def usable(self) -> int:
        if self.compact_at is not None:
            return max(self.compact_at, 1)
        return max(round(self.window * (1 - COMPACTION_RESERVE)), 1)

    @property
    def free(self) -> int:
        """Tokens left until auto-compaction."""
        return max(self.usable - self.tokens, 0)

    @property
    def left(self) -> float:
        """Share of the usable space still free (0 when compaction is due)."""
        return min(max((self.usable - self.tokens) / self.usable, 0.0), 1.0)

    @property
    def share(self) -> float:
        """Share of the whole window used."""
        return self.tokens / self.window

    @property
    def zone(self) -> str:
        return self._zone.name

    @property
    def _zone(self) -> Zone:
        return zone_of(self.left, self.tokens >= self.usable)

    @property
    def settled(self) -> bool:
        """What this zone asks for was written while in it already."""
        saves = self._zone.saves
        written = {"export": self.exported_at, "checkpoint": self.checkpointed_at}.get(saves or "")
        if written is None or written > self.tokens:
            return False  # none, or before a compaction
        return replace(self, tokens=written).zone == self.zone

    @property
    def advice(self) -> str:
        """The one thing to do next."""
        zone = self._zone
        if zone.saves is None:
            return "nothing to do yet"
        if self.settled and zone.saves == "export":
            return f"nothing to do yet: exported in this zone already (next: `{self.export}`)"
        if self.settled and self.checkpointed_at == self.tokens:
            return "nothing to do: the latest checkpoint holds this very context"
        if self.settled:
            return "nothing to do: a checkpoint was written in this zone already"
        if zone.name == "export":
            return f"export now, while there is room: `{self.export}`"
        if zone.name == "final":
            return (
                f"write the final reflection (JOTEWR) now, compaction is very close:"
                f" `{REFLECTION_COMMAND}`"
            )
        checkpoint = checkpoint_command(self.conversation)
        if zone.name == "past":
            return f"compaction is due: write a checkpoint at once: `{checkpoint}`"
        return f"write a checkpoint now, compaction is close: `{checkpoint}`"

    def summary(self) -> str:
        """`9% left (14,000 tokens) until auto-compaction, 70% of the window`."""
        return (
            f"{self.left:.0%} left ({self.free:,} tokens) until auto-compaction,"
            f" {self.share:.0%} of the {self.window:,}-token window"
        )


def export_command(last_part: str | None, conversation: str | None = None) -> str:
    """How to export the conversation: its next part once it has one. With the
    conversation's id, so that with two conversations in one repository the
    command saves this one, not the one written to last."""
    command = f"{EXPORT_COMMAND} {conversation}" if conversation else EXPORT_COMMAND
    return f"{command} --continues {last_part}" if last_part else command


def checkpoint_command(conversation: str | None = None) -> str:
    return f"{CHECKPOINT_COMMAND} {conversation}" if conversation else CHECKPOINT_COMMAND
