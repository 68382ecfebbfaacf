"""Credentials in the text of a session export, found before it is committed.

Exports are written in a hurry at the end of a session, often with a pasted
transcript in them; a token that reaches a pushed commit has to be revoked, so
the scan runs on every export and must stay cheap: every regex is compiled
once, starts where `re` can skip ahead by substring search, and has bounded
repetitions so that no input can make it backtrack without end.

Specific kinds (a GitHub token, an AWS key) are reported as such; the generic
`password = …` assignment only catches what they do not, and leaves out values
that name a secret instead of being one (`$TOKEN`, `os.environ[…]`, `<your-key>`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from gitsess.core.patterns import lazy
from gitsess.core.secret_rules import SPECIFIC, Pattern, is_random, is_stand_in

ALLOW_MARKER = "git-sess: allow-secret"


class Finding(NamedTuple):
    line: int  # 1-based
    kind: str
    masked: str

    def describe(self, path: str) -> str:
        return f"{path}:{self.line}: {self.kind} {self.masked}"


class _Candidate(NamedTuple):
    priority: int  # lower wins when two candidates overlap
    start: int  # where the value starts; also decides the line
    end: int
    kind: str
    masked: str
    allowable_from: int  # earliest offset whose line may carry the marker for it


# The marker is matched loosely (case, spacing) because people retype it by hand.
_MARKER = lazy(r"git-sess:[ \t]*allow-secret", re.IGNORECASE)

_KEY_BEGIN = lazy(
    r"-----BEGIN (?P<label>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
)

# The generic assignment is anchored at its keyword, found with str.find in a
# lowered copy: a case-insensitive regex scan costs ~60 ns a character, which is
# most of the budget for a whole export. Matching from the keyword rather than
# from the start of the key name also means no unbounded run precedes the part
# that can fail. It stays on one line ([ \t], not \s) so a YAML mapping key
# never takes the next line as its value.
_ASSIGNMENT_ANCHORS: tuple[str, ...] = (
    "passw",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
)
_ASSIGNMENT_ANCHORS += ("accesskey", "access_key", "access-key")
_ASSIGNMENT = lazy(
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)"
    r"[\w.-]{0,64}\*{0,2}[\"']?[ \t]*"
    # `=`, `:`, or in prose "the password is now X" (then the value must look generated)
    r"(?::=|=>|=|:|(?P<prose>[ \t](?:key[ \t]+)?(?:is|was)(?:[ \t]+now)?[ \t]))"
    r"\*{0,2}[ \t]*[\"'`]?(?P<value>[^\s\"'`&]{1,512})",
    re.IGNORECASE,
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MIN_ASSIGNED = 8  # and 12 unless it mixes letters and digits
# Keys whose values are handed out freely or are no secret at all: pagination
# cursors (`next_page_token`, `nextToken`), CSRF tokens, stored hashes, ids.
_HARMLESS_KEYS = ("page", "next", "cursor", "continuation", "sync", "csrf", "xsrf", "hash", "_id")
# Keys a provider publishes as meant for tests or for the browser.
_HARMLESS_PREFIXES = ("sk_test_", "rk_test_", "pk_test_", "pk_live_", "whsec_test")

# What an assigned value looks like when it names a secret instead of being one.
_NUMERIC = lazy(r"[\d,._/:+\-]+")  # counts, sizes, dates: `tokens: 91204`
# Names are left out too: a prose word (`Token: authentication`), a variable
# (`password=password_hash`), a Kubernetes name (`secretName: my-app-tls`), an
# environment variable (`api_key = OPENAI_API_KEY`). The price is a password of
# letters alone; real credentials nearly always have digits or symbols in them.
_NAME = lazy(
    r"[a-z]+(?:[_-][a-z]+)*"  # word, snake_case, kebab-case
    r"|[A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)+"  # ENV_VAR, CONSTANT_NAME
    r"|[a-zA-Z][a-z]+(?:[A-Z][a-z]+)+"  # camelCase, PascalCase
    r"|[A-Z]+"  # PASSWORD, as in postgres://USER:PASSWORD@HOST
)
_DOTTED = lazy(r"[A-Za-z_]\w{0,31}(?:\.[A-Za-z_]\w{0,31})+")  # settings.API_KEY
_URL = lazy(r"[a-z][a-z0-9+.-]*://[^@]*")  # a URL with no user:password@ in it
_PLACEHOLDER_WORDS = (
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "dummy",
    "your",
    "xxxx",
    "***",
    "...",
    "…",
)
_REFERENCE_STARTS = (
    "$",
    "%",
    "{",
    "<",
    "/",
    "~/",
    "./",
    "os.environ",
    "process.env",
    *_HARMLESS_PREFIXES,
)


def find_secrets(text: str) -> list[Finding]:
    """Findings in line order (then column).

    A line containing ALLOW_MARKER (in any form, e.g. inside an HTML comment
    `<!-- git-sess: allow-secret -->` or after `#`) is skipped; a private key
    block is skipped when its BEGIN line or the line just before it carries
    the marker.
    """
    candidates = _candidates(text)
    if not candidates:
        return []  # the common case: no line index, no marker scan
    lines = _LineIndex(text)
    allowed = {lines.line_of(m.start()) for m in _MARKER.finditer(text)}
    findings = []
    for candidate in _without_overlaps(candidates):
        line = lines.line_of(candidate.start)
        marker_lines = range(lines.line_of(candidate.allowable_from), line + 1)
        if not any(n in allowed for n in marker_lines):
            findings.append(Finding(line, candidate.kind, candidate.masked))
    return findings


def _mask(value: str) -> str:
    # Enough to recognise which credential it was, too little to use or guess it:
    # at most a quarter of a password's characters (a token's prefix says its kind).
    if len(value) < 16:
        return value[: len(value) // 4] + "…"
    return value[:4] + "…" + value[-2:]


def _key_blocks(text: str) -> Iterator[_Candidate]:
    for match in _KEY_BEGIN.finditer(text):
        # The whole block is claimed, so nothing inside it is reported again.
        end_marker = f"-----END {match['label']}-----"
        end = text.find(end_marker, match.end())
        block_end = match.end() if end < 0 else end + len(end_marker)
        # The BEGIN line is boilerplate, not key material: it is what to show.
        line_start = text.rfind("\n", 0, match.start()) + 1
        previous_line = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        yield _Candidate(0, match.start(), block_end, "private key block", match[0], previous_line)


class _Text:
    """A text to scan, with the lower-case copy its keywords are found in."""

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower()
        if len(lowered) != len(text):
            # A few characters lower to two (U+0130); offsets must stay the text's own.
            lowered = text.translate(_ASCII_LOWER)
        self.lowered = lowered

    def has(self, needles: tuple[str, ...]) -> bool:
        return any(needle in self.text for needle in needles)

    def anchors(self, words: tuple[str, ...]) -> list[int]:
        """Offsets of the (lower-case) keywords in the text, in order."""
        found = set()
        for word in words:
            at = self.lowered.find(word)
            while at >= 0:
                found.add(at)
                at = self.lowered.find(word, at + 1)
        return sorted(found)


def _candidates(text: str) -> list[_Candidate]:
    scan = _Text(text)
    candidates = [*_key_blocks(text), *_specific(scan), *_assignments(scan)]
    return candidates + [*_in_context(scan), *_prose_passwords(scan)]


_SHORTEST = 20  # no credential of a specific kind is shorter (an AWS key id)
_LONG_WORD = lazy(rf"\S{{{_SHORTEST},}}")  # the white space str.split() splits at


def _specific(scan: _Text) -> Iterator[_Candidate]:
    text = scan.text
    # A credential of a specific kind is one long word: its needle is looked for
    # in those alone (a few hundred characters), and the regex runs on the text
    # only when one is there, which is seldom.
    # (One regex in C; splitting the whole text into words first held a string
    # object per word: 250 MB for a 50 MB export, issue 19.)
    words = " ".join(_LONG_WORD.findall(text))
    for priority, pattern in enumerate(SPECIFIC, start=1):
        if pattern.in_words:
            present = any(needle in words for needle in pattern.needles)
        else:
            present = scan.has(pattern.needles)
        if present:
            yield from _matches(text, priority, pattern, 0, len(text))


def _matches(
    text: str, priority: int, pattern: Pattern, start: int, end: int
) -> Iterator[_Candidate]:
    group = "value" if "value" in pattern.regex.groupindex else 0
    for match in pattern.regex.finditer(text, start, end):
        if pattern.word_start and _continues_word(text, match.start()):
            continue
        value = match[group]
        if pattern.plausible is not None and not pattern.plausible(value):
            continue
        begin, finish = match.span(group)
        yield _Candidate(priority, begin, finish, pattern.kind, _mask(value), begin)


def _continues_word(text: str, offset: int) -> bool:
    return offset > 0 and (text[offset - 1].isalnum() or text[offset - 1] == "_")


def _assignments(scan: _Text) -> Iterator[_Candidate]:
    text, lowered = scan.text, scan.lowered
    priority = len(SPECIFIC) + 1
    resume = 0  # like finditer: a match's value is never the start of another match
    for anchor in scan.anchors(_ASSIGNMENT_ANCHORS):
        if anchor < resume:
            continue
        match = _ASSIGNMENT.match(text, anchor)
        if match is None:
            continue
        resume = match.end()
        # Trailing punctuation belongs to the code or the sentence around the value.
        value = match["value"].rstrip(",;)]}." if match["prose"] else ",;)]}")
        if _is_placeholder(value) or _harmless_key(lowered, anchor, match.start("value")):
            continue
        if len(value) < (_MIN_ASSIGNED if is_random(value) else 12):
            continue
        if match["prose"] and (len(value) < 12 or not is_random(value)):
            continue  # "the token was refreshed": prose needs a generated-looking value
        start = match.start("value")
        yield _Candidate(
            priority, start, start + len(value), "password assignment", _mask(value), start
        )


# In a sentence: "the staging db password is Mango&jgf8orbit!", "logged in as admin
# with password fa3z4quj5at1", "pw for the lab box = h7Kq2…". Only a password
# word, a few words of what it is for, and a value that looks generated.
_PROSE_ANCHORS = ("passw", "passphrase", "pw")
_PROSE_PASSWORD = lazy(
    r"(?:password|passwd|passphrase|pw)(?![A-Za-z])"
    r"(?:[ \t]+(?:for|of|on|to)[ \t]+[^\n=:\"'`]{1,40}?)?"
    r"(?:[ \t]*(?:[=:]|is|was)(?:[ \t]+now)?)?[ \t]+[\"'`]?(?P<value>[^\s\"'`]{10,512})",
    re.IGNORECASE,
)


def _prose_passwords(scan: _Text) -> Iterator[_Candidate]:
    text, lowered = scan.text, scan.lowered
    priority = len(SPECIFIC) + 3  # after every other way of finding it
    for anchor in scan.anchors(_PROSE_ANCHORS):
        if _continues_word(text, anchor):
            continue
        match = _PROSE_PASSWORD.match(text, anchor)
        if match is None:
            continue
        value = match["value"].rstrip(".,;:)]}")
        said = lowered[anchor : match.start("value")]
        if len(value) < 10 or not is_random(value) or _is_placeholder(value):
            continue
        if is_stand_in(value) or any(word in said for word in _HARMLESS_KEYS):
            continue
        start = match.start("value")
        yield _Candidate(
            priority, start, start + len(value), "password in prose", _mask(value), start
        )


def _harmless_key(lowered: str, anchor: int, value_start: int) -> bool:
    """Whether the key being assigned names something that is no secret."""
    start = anchor
    while start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] in "_.-"):
        start -= 1
    key = lowered[start:value_start]
    return any(word in key for word in _HARMLESS_KEYS)


# --- credentials known by where they stand: URLs, command lines, headers ----------------

# scheme://user:PASSWORD@host: RFC 3986 userinfo holds no `/ ? # @` and no space.
_USERINFO = lazy(r"://[^\s:/?#@'\"`<>]{0,256}:(?P<value>[^\s/?#@'\"`<>]{1,512})@")
# --password X, --db-password=X, -srcstorepass X, --token X; the value may be quoted.
_FLAG = lazy(
    r"-{1,2}[\w-]{0,32}?(?:password|passwd|storepass|keypass|pass|token|secret|api[-_]?key)"
    r"(?:=|[ \t]+)(?P<value>'[^'\n]{1,512}'|\"[^\"\n]{1,512}\"|[^\s'\"-][^\s'\"]{0,511})"
)
_FLAG_ANCHORS = ("pass", "token", "secret", "api-key", "api_key", "apikey")
# Commands whose short flags take a password (`-p X` means a port or a path
# elsewhere): mysql -pX (attached: `-p X` would prompt and take X as the
# database), redis-cli -a X, sshpass -p X, docker login -p X, curl -u user:X.
_COMMANDS = (
    "mysql",
    "mariadb",
    "redis-cli",
    "sshpass",
    "curl",
    "wget",
    "docker",
    "podman",
    "twine",
)
_COMMAND_FLAG = lazy(
    r"(?:(?:mysql\w*|mariadb[\w-]*)\b[^\n|;&]{0,512}?[ \t]-p(?P<attached>[^\s-][^\s]{0,511})"
    r"|redis-cli\b[^\n|;&]{0,512}?[ \t]-a[ \t]+(?P<redis>[^\s-][^\s]{0,511})"
    r"|sshpass\b[^\n|;&]{0,64}?[ \t]-p[ \t]*(?P<sshpass>[^\s-][^\s]{0,511})"
    r"|(?:(?:docker|podman)[ \t]+login|twine)\b[^\n|;&]{0,512}?[ \t]-p[ \t]+"
    r"(?P<login>[^\s-][^\s]{0,511})"
    r"|(?:curl|wget)\b[^\n|;&]{0,512}?[ \t](?:-u|--user)[ \t=]*['\"]?[^\s:'\"]{1,256}:"
    r"(?P<user>[^\s'\"]{1,512}))",
)
_AUTH_ANCHORS = ("bearer", "basic")
_AUTH = lazy(r"(?:bearer|basic)[ \t]+(?P<value>[A-Za-z0-9._~+/\-]{16,4096}=*)", re.IGNORECASE)
_MIN_IN_CONTEXT = 6


def _in_context(scan: _Text) -> Iterator[_Candidate]:
    text = scan.text
    """Passwords in URLs, on command lines and in Authorization headers."""
    priority = len(SPECIFIC) + 2
    matches = list(_USERINFO.finditer(text)) if scan.has(("://",)) else []
    # Each regex below is tried only where its keyword is: a regex that starts
    # with `-` or a choice of command names would be tried at nearly every line.
    for anchor in scan.anchors(_FLAG_ANCHORS):
        start = anchor
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            start -= 1
        if text[start] == "-" and (found := _FLAG.match(text, start)) is not None:
            matches.append(found)
    for anchor in scan.anchors(_COMMANDS):
        if not _continues_word(text, anchor) and (found := _COMMAND_FLAG.match(text, anchor)):
            matches.append(found)
    for anchor in scan.anchors(_AUTH_ANCHORS):
        if not _continues_word(text, anchor):
            found = _AUTH.match(text, anchor)
            matches += [found] if found is not None and is_random(found["value"]) else []
    for match in matches:
        name = next(key for key, value in match.groupdict().items() if value is not None)
        start, end = match.span(name)
        value = match[name]
        if value[:1] in "'\"" and value[-1:] == value[:1]:
            start, end, value = start + 1, end - 1, value[1:-1]
        if len(value) >= _MIN_IN_CONTEXT and not _is_placeholder(value) and not is_stand_in(value):
            yield _Candidate(
                priority, start, end, "password in a command or URL", _mask(value), start
            )


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return (
        len(set(value)) == 1
        or value.startswith(_REFERENCE_STARTS)
        or "(" in value  # a call: getenv("X"), request.form.get(...)
        or "[" in value  # a lookup or a type: os.environ["X"], Optional[str]
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
        or any(regex.fullmatch(value) is not None for regex in (_NUMERIC, _NAME, _DOTTED, _URL))
    )


def _without_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """The candidates that keep their span, in text order: a span goes to the
    most specific kind that matched it, then to the leftmost match."""
    starts: list[int] = []  # claimed spans, sorted and disjoint
    ends: list[int] = []
    kept: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.priority, c.start)):
        at = bisect.bisect_right(starts, candidate.start)
        if at and ends[at - 1] > candidate.start:
            continue  # starts inside an earlier claim
        if at < len(starts) and starts[at] < candidate.end:
            continue  # runs into a later claim
        starts.insert(at, candidate.start)
        ends.insert(at, candidate.end)
        kept.append(candidate)
    return sorted(kept, key=lambda c: c.start)


class _LineIndex:
    """Offset to 1-based line number, built only when there is something to place."""

    def __init__(self, text: str) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1


# --- redaction: drafts drawn from a transcript ------------------------------------------
#
# A draft (`new --from-transcript`, a checkpoint) copies commands and requests that
# were typed for a machine, where credentials sit in places the commit guard does
# not look for: short passwords in URLs, flags and environment assignments. Here
# redaction errs on the side of removing: the draft loses a word, never a secret.
# These rules only redact; what `find_secrets` reports is unchanged.

REDACTED = "[redacted]"

# scheme://user:PASSWORD@host: RFC 3986 userinfo holds no `/ ? # @` and no space.
_URL_PASSWORD = lazy(
    r"[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s:/?#@]{0,256}:(?P<value>[^\s/?#@]{1,512})@"
)
# --password=X, --password X, --passwd, --db-password; the value may be quoted.
_PASSWORD_FLAG = lazy(
    r"--(?:[\w-]{0,32}[-_])?(?:password|passwd|pass|token|secret|api[-_]?key)"
    # (a number is a size or a count: `--max-tokens 5000`)
    r"(?:=|[ \t]+)(?P<value>'[^'\n]{0,512}'|\"[^\"\n]{0,512}\""
    r"|(?!\d+(?:\s|$))[^\s'\"-][^\s]{0,511})",
    re.IGNORECASE,
)
# PGPASSWORD=X, MYSQL_PWD=X, export GITHUB_TOKEN="X" (not a reference: $VAR, $(cmd)).
_ENV_ASSIGNMENT = lazy(
    # the word a part of the name of its own (MYSQL_PWD, GITHUB_TOKEN, PGPASSWORD), not
    # inside another word (OLDPWD, BYPASS)
    r"\b(?:[A-Z][A-Z0-9]{0,31}_|PG){1,4}(?:PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|API_?KEY"
    r"|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?|AUTH)(?:_[A-Z0-9]{1,32}){0,3}=(?P<value>'[^'\n]{1,512}'"
    r"|\"(?!\$)[^\"\n]{1,512}\"|[^\s'\"$][^\s;&|]{0,511})"
    # (not PWD alone: the shell's working directory)
    r"|\b(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY)="
    r"(?P<bare>[^\s'\"$][^\s;&|]{0,511})"
)
# Authorization: Bearer X / Basic X / token X, and API-key headers.
_AUTH_HEADER = lazy(
    r"(?:authorization|proxy-authorization)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?:bearer|basic|token|digest|bot)[ \t]+)?(?P<value>[^\s\"',;]{1,2048})"
    r"|(?:x-api-key|api-key|x-auth-token|private-token|x-access-token)[\"']?[ \t]*:[ \t]*"
    r"(?P<header>[^\s\"',;]{1,2048})",
    re.IGNORECASE,
)
_JWT = lazy(r"eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}")
_REDACTIONS = (_URL_PASSWORD, _PASSWORD_FLAG, _COMMAND_FLAG, _ENV_ASSIGNMENT, _AUTH_HEADER, _JWT)


def redact(text: str) -> str:
    """`text` with every credential replaced by `[redacted]`: what `find_secrets`
    reports (whatever allow-markers say: a draft has no reason to keep one), and
    passwords in URLs, flags, environment assignments, Authorization headers and
    JWTs, which a command line holds and prose seldom does."""
    spans = [(c.start, c.end) for c in _candidates(text)]
    for regex in _REDACTIONS:
        for match in regex.finditer(text):
            named = [name for name, value in match.groupdict().items() if value is not None]
            spans.append(match.span(named[0]) if named else match.span())
    if not spans:
        return text
    pieces, done = [], 0
    for start, end in sorted(spans):
        if end <= done:
            continue  # inside a span already replaced
        if start < done:
            start = done
        elif text[start:end] == REDACTED:
            continue  # redacting twice changes nothing
        pieces += [text[done:start], REDACTED]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
