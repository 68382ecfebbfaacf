"""Template lookup (repository override, then packaged) and rendering.

Rendering is plain placeholder substitution, `{{ name }}` from a fixed set of
values, in one pass: no expressions, no code, and a value that itself contains
`{{ … }}` is inserted as it is.

The data directory `gitsess/templates/` beside this module has no
`__init__.py`, so it never shadows `gitsess.templates`; it is reached only
through `importlib.resources`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from gitsess.core.errors import GitSessError
from gitsess.core.files import decode_utf8, read_bytes, require_inside

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


SESSION_PLACEHOLDERS = (
    "title", "date", "type", "status", "tags", "summary", "continues", "requires", "project",
)  # fmt: skip


def session_values(**given: str) -> dict[str, str]:
    """Every placeholder a session template may use; those not given are empty."""
    return {name: given.get(name, "") for name in SESSION_PLACEHOLDERS}


def session_template_name(kind: str) -> str:
    return f"session-{kind}.md"


def load_template(name: str, override_dir: Path, root: Path | None = None) -> tuple[str, str]:
    """The template text and where it came from (for error messages). `root`:
    the work tree, which a linked templates folder must not lead out of."""
    if root is not None and os.path.lexists(override_dir):
        require_inside(override_dir, root)  # a linked folder: ~/.ssh as "templates"
    override = override_dir / name
    if override.is_symlink():  # a cloned repository could point it at ~/.ssh/id_rsa
        raise GitSessError(
            f"{override} is a symbolic link; templates must be files in the repository",
            "replace it with a copy of the file it points to, or remove it",
        )
    if override.is_file():
        return decode_utf8(read_bytes(override), str(override)), str(override)
    packaged = resources.files("gitsess").joinpath("templates", name)
    if not packaged.is_file():
        raise GitSessError(
            f"no template {name}",
            f"add one as {override}, or use a type that has a packaged template",
        )
    return packaged.read_text(encoding="utf-8"), f"packaged {name}"


def render(text: str, values: Mapping[str, str], source: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _PLACEHOLDER.finditer(line):
            if match.group(1) not in values:
                raise GitSessError(
                    f"{source}:{number}: unknown placeholder {match.group(0)}",
                    "use one of: " + ", ".join(f"{{{{{key}}}}}" for key in sorted(values)),
                )
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


_SECTION_HEADING = re.compile(r"^(#{2,6})\s+(.+?)\s*$")
_PLACEHOLDER_LINE = re.compile(r"^\s*(-|\d+\.)?\s*$")


def fill_sections(body: str, fills: Mapping[str, list[str]]) -> str:
    """Put `fills[heading]` lines under each heading of that name (any level, any
    case), in place of the template's empty `-` / `1.` lines; its comments stay.
    A heading the template lacks is added at the end, as `##`."""
    wanted = {name.lower(): lines for name, lines in fills.items() if lines}
    if not wanted:
        return body
    out: list[str] = []
    current: list[str] | None = None
    for line in body.splitlines():
        heading = _SECTION_HEADING.match(line)
        if heading:
            _close_section(out, current)
            current = wanted.pop(heading.group(2).lower(), None)
            out.append(line)
            continue
        if current is not None and _PLACEHOLDER_LINE.match(line):
            continue
        out.append(line)
    _close_section(out, current)
    for name, lines in fills.items():
        if name.lower() in wanted:
            out += ["", f"## {name}", *lines]
    return "\n".join(out).rstrip("\n") + "\n"


def _close_section(out: list[str], lines: list[str] | None) -> None:
    if lines is None:
        return
    out.extend(lines)
    out.append("")
