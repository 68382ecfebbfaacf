"""Token zones and the context left before auto-compaction (DESIGN.md §5)."""

from __future__ import annotations

from dataclasses import dataclass, replace

# Claude Code keeps this share of the window back (45,000 of 200,000 tokens);
# auto-compaction starts when the rest is full.
COMPACTION_RESERVE = 0.225
CHECKPOINT_AT_LEFT = 0.05  # write a checkpoint when this share of the usable space is left

# (upper bound as a share of the window, zone name)
ZONES = (
    (0.25, "normal"),
    (0.50, "consider exporting"),
    (0.75, "export soon"),
    (0.875, "urgent"),
    (float("inf"), "critical"),
)
WARNING_ZONES = ("urgent", "critical")
EXPORT_COMMAND = "git sess new --from-transcript"
CHECKPOINT_COMMAND = "git sess checkpoint --from-transcript"


@dataclass(frozen=True)
class Budget:
    tokens: int
    window: int
    export: str = EXPORT_COMMAND  # with `--continues` once the conversation has an export
    exported_at: int | None = None  # the context of this conversation's last export
    checkpointed_at: int | None = None  # the context of its latest checkpoint

    @property
    def settled(self) -> bool:
        """Nothing to do now: what is due was written at this very context
        (a checkpoint), or in this zone (an export)."""
        if self.left <= CHECKPOINT_AT_LEFT:
            return self.checkpointed_at == self.tokens
        return self.exported_in_zone and self.zone != "normal"

    @property
    def exported_in_zone(self) -> bool:
        """This conversation was exported since it reached its zone."""
        if self.exported_at is None or self.exported_at > self.tokens:
            return False  # none, or before a compaction
        return replace(self, tokens=self.exported_at).zone == self.zone

    @property
    def share(self) -> float:
        return self.tokens / self.window

    @property
    def zone(self) -> str:
        return next(name for bound, name in ZONES if self.share < bound)

    @property
    def usable(self) -> int:
        return max(round(self.window * (1 - COMPACTION_RESERVE)), 1)

    @property
    def left(self) -> float:
        """Share of the usable space still free (0 when compaction is due)."""
        return min(max((self.usable - self.tokens) / self.usable, 0.0), 1.0)

    @property
    def advice(self) -> str:
        """The one thing to do next."""
        if self.left <= CHECKPOINT_AT_LEFT and self.settled:
            return "nothing to do: the latest checkpoint holds this very context"
        if self.left <= CHECKPOINT_AT_LEFT:
            return f"write a checkpoint now, compaction is close: `{CHECKPOINT_COMMAND}`"
        if self.settled:
            return f"nothing to do yet: exported in this zone already (next: `{self.export}`)"
        return {
            "normal": "nothing to do yet",
            "consider exporting": f"export at the next milestone: `{self.export}`",
            "export soon": f"export soon: `{self.export}`",
            "urgent": f"export now: `{self.export}`",
            "critical": f"export now: `{self.export}`",
        }[self.zone]


def export_command(last_part: str | None) -> str:
    """How to export the conversation: its next part once it has one."""
    return f"{EXPORT_COMMAND} --continues {last_part}" if last_part else EXPORT_COMMAND
