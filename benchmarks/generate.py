"""Generate a deterministic corpus of session exports to benchmark git-sess on.

    python benchmarks/generate.py DIR [--sessions 10000] [--seed 1] [--no-commit]

DIR becomes a git repository whose `.sessions/` holds N exports of 2-6 KB:
about 90 % with frontmatter in the format of DESIGN.md section 3.1, the rest
hand-written legacy exports without one. Links (`prerequisite_sessions`,
`continuation_of`) only ever point to earlier sessions, so the graph has
chains and diamonds but no cycles. The same seed gives the same bytes (and,
with the fixed commit dates used here, the same commit id).

Nothing but exports is written into `.sessions/`: `git-sess init` and
`git-sess index` are the runner's job. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# --- vocabularies ---------------------------------------------------------------

TYPES = ("feature", "bug", "research", "operation", "checkpoint", "reflection", "roadmap")
TYPE_WEIGHTS = (42, 24, 12, 9, 6, 4, 3)
STATUSES = ("in-progress", "complete", "blocked", "abandoned")
OLD_STATUS_WEIGHTS = (10, 78, 5, 7)  # sessions older than RECENT_DAYS
NEW_STATUS_WEIGHTS = (55, 35, 8, 2)
RECENT_DAYS = 45
START_DATE = dt.date(2023, 1, 2)
SPAN_DAYS = 3 * 365
TOKEN_LIMIT = 200_000
MIN_BYTES, MAX_BYTES = 2048, 6144

TAGS = (
    "api", "auth", "billing", "ci", "cli", "cache", "data", "db", "deploy", "docs",
    "etl", "export", "frontend", "backend", "gpu", "import", "infra", "k8s", "kafka",
    "logging", "migration", "ml", "mobile", "observability", "ocr", "onnx", "parser",
    "payments", "perf", "postgres", "queue", "redis", "refactor", "release", "search",
    "security", "terraform", "testing", "training", "ux",
)  # fmt: skip
COMPONENTS = (
    "invoice parser", "webhook dispatcher", "auth middleware", "search indexer",
    "payment reconciler", "rate limiter", "CSV importer", "feature-flag service",
    "nightly import job", "report builder", "notification worker", "session store",
    "billing API", "ledger service", "OCR pipeline", "model server", "training loop",
    "data loader", "admin dashboard", "mobile sync client", "audit logger",
    "email renderer", "tenant router", "job scheduler", "config loader", "CLI",
    "export service", "pricing engine", "geocoder", "thumbnail service",
)  # fmt: skip
COMPONENT_TAGS = {
    "invoice parser": ("parser", "billing"), "webhook dispatcher": ("api", "queue"),
    "auth middleware": ("auth", "security"), "search indexer": ("search", "perf"),
    "payment reconciler": ("payments", "billing"), "rate limiter": ("api", "redis"),
    "CSV importer": ("import", "etl"), "feature-flag service": ("backend", "release"),
    "nightly import job": ("import", "etl"), "report builder": ("data", "export"),
    "notification worker": ("queue", "backend"), "session store": ("redis", "cache"),
    "billing API": ("billing", "api"), "ledger service": ("db", "postgres"),
    "OCR pipeline": ("ocr", "ml"), "model server": ("ml", "onnx"),
    "training loop": ("training", "gpu"), "data loader": ("data", "ml"),
    "admin dashboard": ("frontend", "ux"), "mobile sync client": ("mobile", "api"),
    "audit logger": ("logging", "security"), "email renderer": ("frontend", "backend"),
    "tenant router": ("infra", "k8s"), "job scheduler": ("queue", "infra"),
    "config loader": ("refactor", "cli"), "CLI": ("cli", "ux"),
    "export service": ("export", "data"), "pricing engine": ("billing", "perf"),
    "geocoder": ("api", "cache"), "thumbnail service": ("perf", "infra"),
}  # fmt: skip
FEATURES = (
    "retry budget", "pagination", "bulk export", "rate limiting", "audit trail",
    "SSO login", "CSV import", "streaming responses", "per-tenant quotas",
    "schema validation", "batch inference", "dark mode", "incremental sync",
    "dead-letter queue", "idempotency keys", "soft deletes", "webhook signatures",
    "multi-currency totals", "background reindexing", "connection pooling",
    "structured logging", "request tracing", "partial refunds", "saved searches",
)  # fmt: skip
BUGS = (
    "flaky test", "race condition", "memory leak", "off-by-one in pagination",
    "timezone drift", "deadlock", "N+1 queries", "stale cache", "double charge",
    "silent data loss", "encoding error", "timeout under load", "rounding error",
    "lost update", "duplicate webhook delivery", "unbounded queue growth",
)  # fmt: skip
TECH = (
    "Postgres", "SQLite", "Redis", "Kafka", "RabbitMQ", "S3", "gRPC", "FastAPI",
    "Celery", "pytest", "Docker", "Kubernetes", "Terraform", "tesseract", "pdfplumber",
    "ONNX Runtime", "PyTorch", "DistilBERT", "Elasticsearch", "Whoosh", "pandas",
    "Polars", "httpx", "SQLAlchemy", "Alembic", "Sentry", "Prometheus", "Grafana",
)  # fmt: skip
DATA = (
    "invoices", "ledger entries", "customer records", "audit events", "search documents",
    "training examples", "webhook payloads", "order lines", "exchange rates",
    "user sessions", "product images", "support tickets",
)  # fmt: skip
METRICS = (
    "p95 latency", "p99 latency", "error rate", "memory use", "queue depth",
    "cold-start time", "throughput", "validation loss", "F1 score", "cache hit rate",
    "build time", "test run time",
)  # fmt: skip
LATENCIES = ("p95 latency", "p99 latency", "median latency", "cold-start time")
ENVS = ("staging", "production", "the CI runners", "a laptop", "the GPU box", "the canary pool")
TEAMS = ("ops", "the data team", "security review", "the mobile team", "finance", "support")
REASONS = (
    "it keeps the hot path free of network calls",
    "the existing tests already cover that shape",
    "it is the only option that works offline",
    "the simpler option was fast enough on real data",
    "it avoids a schema migration this quarter",
    "rollback stays a one-line config change",
    "the vendor library was unmaintained",
    "it halves the number of moving parts",
    "profiling showed the time was spent elsewhere",
    "nobody on the team knew the alternative well",
)  # fmt: skip
DIRS = (
    "src/app", "services/billing", "services/search", "ledger", "api/routes", "workers",
    "ml/training", "ml/serving", "infra/terraform", "web/src/components", "scripts", "lib",
)  # fmt: skip
MODULES = (
    "parser", "models", "views", "tasks", "client", "schema", "retry", "cache", "queue",
    "reconcile", "export", "config", "auth", "limits", "metrics", "loader", "dispatch",
    "handlers", "storage", "pricing", "render", "sync", "ocr", "index",
)  # fmt: skip
FUNCS = (
    "load_batch", "parse_invoice", "dispatch", "reconcile_day", "refresh_token",
    "build_report", "apply_limits", "sync_changes", "render_email", "score_batch",
    "flush_queue", "resolve_tenant", "rotate_keys", "fetch_rates", "commit_offsets",
)  # fmt: skip
PURPOSES = (
    "entry point for the new flow", "fixtures for the regression", "shared helpers",
    "wire format and validation", "the retry policy", "metrics and alerts",
    "migration for the new column", "CLI flag and help text", "feature flag default",
    "queue consumer", "integration test against a real database", "docs for operators",
)  # fmt: skip

# Sentence shapes, by the section they are written for. `{x}` slots are drawn per
# sentence (`{comp2}` is a second, independent draw of `comp`); `{topic}` is the
# session's own component.
SENTENCES: dict[str, tuple[str, ...]] = {
    "objective": (
        "Make the {topic} handle {feature} without manual steps.",
        "Bring {latency} of the {topic} under {ms} ms on {env}.",
        "Replace the hand-rolled {module} code in the {topic} with {tech}.",
        "Find out why {data} go missing between the {topic} and the {comp2}.",
        "Ship {feature} behind a flag and turn it on for {pct}% of tenants.",
        "Get the {topic} test suite green again after the {tech} upgrade.",
    ),
    "decision": (
        "Chose {tech} over {tech2} for the {topic}: {reason}.",
        "Kept `{func}()` synchronous: {reason}.",
        "Store {data} as append-only rows; updates in place made audits impossible.",
        "Cap retries at {n} with jittered backoff; unbounded retries hid real outages.",
        "Moved {feature} into the {comp2} rather than the {topic}, because {reason}.",
        "Left the {module} layer alone; {reason}.",
        "Batch size {n}00 after measuring {metric} at three sizes on {env}.",
    ),
    "issue": (
        "`{func}()` assumed UTC while the {comp2} sent local times; normalised at the edge.",
        "The {tech} client swallowed connection resets, so {data} were dropped silently.",
        "A fixture shared between tests made them order-dependent; each test builds its own.",
        "Migration locked the {data} table for {n} minutes on {env}; split into batches.",
        "{metric} doubled under load because every request re-read the config file.",
        "CI ran out of disk on the {tech} image; pruned layers and pinned the base image.",
    ),
    "insight": (
        "Measure on {env} before optimising: the guess about {metric} was wrong twice.",
        "Small fixtures per layout catch more regressions than one large golden file.",
        "The {topic} is only as reliable as the {comp2} behind it; test them together.",
        "Writing the rollback first made the {tech} migration boring, which is the point.",
        "{feature} is mostly a data-model change; the API part took an hour.",
    ),
    "next": (
        "Wire {feature} into the {comp2}.",
        "Add a regression test for `{func}()` with {data} from {env}.",
        "Ask {team} to review the {tech} settings before the rollout.",
        "Turn the flag on for {pct}% of traffic and watch {metric} for a day.",
        "Delete the old {module} path once nothing calls it.",
        "Document the new {feature} options for operators.",
    ),
    "symptom": (
        "{latency} on {env} jumped from {ms} ms to {ms2} ms after the last deploy.",
        "About {pct}% of {data} arrived twice in the {comp2}.",
        "The {topic} logged `{func} failed: timeout` every few minutes under load.",
        "Nightly totals were off by a few cents for {n} tenants.",
        "Tests passed alone but failed when run with `pytest -n {n}`.",
    ),
    "cause": (
        "`{func}()` read the cursor before the transaction committed, so concurrent "
        "workers saw the same batch of {data}.",
        "The {tech} client reused one connection across threads; under load two "
        "requests interleaved their frames.",
        "Rounding happened per line instead of per invoice, so totals drifted by a cent "
        "for every few hundred lines.",
        "A cache key left out the tenant id, so one tenant could read another tenant's "
        "{data} for up to {n} seconds.",
    ),
    "fix": (
        "Take a row lock in `{func}()` and commit before acknowledging the message.",
        "Give every worker its own {tech} client and close it on shutdown.",
        "Sum Decimals per invoice and round once at the end.",
        "Include the tenant id in every cache key; added an assertion in the {module} layer.",
    ),
    "verify": (
        "Regression test reproduces the failure on the old code and passes on the new.",
        "Replayed {n}k {data} from {env}: no duplicates, totals match the ledger.",
        "Ran the suite {n}0 times with random ordering; no failures.",
        "{latency} back to {ms} ms on {env} after an hour of normal traffic.",
    ),
    "question": (
        "Can {tech} keep {latency} under {ms} ms for {n}k {data}?",
        "Is {tech} worth the operational cost compared with {tech2}?",
        "Where does the {topic} spend its time on a cold start?",
        "What breaks if the {comp2} is down for an hour?",
    ),
    "finding": (
        "{tech} handled {n}k {data} with {latency} at {ms} ms on {env}.",
        "{tech2} was {n}x slower on the same data but needs no extra service.",
        "{pct}% of the time goes into `{func}()`; the rest is start-up.",
        "The {comp2} retries on its own, so adding retries in the {topic} doubles load.",
        "Nobody reads the {module} output after the first week; it can be sampled.",
    ),
    "recommend": (
        "Adopt {tech} for the {topic}, keep {tech2} as the fallback for {env}.",
        "Do not add a cache yet: {reason}.",
        "Revisit {feature} once {data} volume passes {n} million rows.",
    ),
    "operation": (
        "Backfill {data} for the last {n} months through the {topic} on {env}; "
        "expected to take about {n2} hours.",
        "Retrain the {topic} model on {n}k labelled {data} with {tech}; checkpoints every epoch.",
        "Move the {topic} from {tech} to {tech2} with dual writes, then cut reads over.",
    ),
    "progress": (
        "Batch {n} of {n2}0 done; {latency} steady at {ms} ms.",
        "Paused for {n} minutes while {team} rotated credentials; resumed cleanly.",
        "Dual writes on for {pct}% of tenants; no diff in the nightly comparison.",
        "Epoch {n}: validation loss still falling, {metric} within budget.",
    ),
    "result": (
        "{n}k {data} processed, {n2} rejected and logged for review.",
        "{metric} improved by {pct}% compared with the old path.",
        "Rollback was not needed; the old tables are kept for two weeks.",
    ),
    "state": (
        "Branch `{module}-{n}` has {n2} commits ahead of main; tests pass locally.",
        "Uncommitted: a draft of `{func}()` in `{file}`.",
        "A {tech} job is still running on {env}; it writes to `logs/{module}.log`.",
    ),
    "mission": (
        "The {topic} must keep {data} correct to the cent while {feature} rolls out.",
        "Customers should never see {data} from another tenant, whatever the load.",
        "Every change to the {topic} stays reversible within one deploy.",
    ),
    "happened": (
        "The {topic} rollout took {n} days instead of one because {comp2} behaved "
        "differently on {env} than on staging.",
        "We shipped {feature} on time but spent the following week on {bug} reports.",
    ),
    "worked": (
        "Small pull requests behind a flag; each one was easy to revert.",
        "Pairing with {team} on the {tech} settings saved a round of review.",
        "Writing the session export before each break kept the context short.",
    ),
    "didnt": (
        "Estimating the migration from the staging data size; production had {n}x more.",
        "Relying on {tech} defaults; two of them were wrong for our load.",
        "Skipping the load test because the change looked small.",
    ),
    "open": (
        "Who owns the {comp2} once {feature} ships?",
        "Do we need {tech} at all if {latency} stays under {ms} ms?",
        "Should {data} older than {n} years be archived?",
    ),
}
PHASE_STATES = ("complete", "complete", "in-progress", "not started", "blocked")

# Sections per type (DESIGN.md section 3.1): heading and the kind of items it holds.
SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "feature": (
        ("## Session Objectives", "bullets:objective"),
        ("## Completed Work", "none"),
        ("### Files Created", "files"),
        ("### Files Modified", "files"),
        ("## Technical Decisions", "bullets:decision"),
        ("## Issues Encountered", "issues"),
        ("## Next Steps", "numbered:next"),
        ("## Key Insights", "bullets:insight"),
    ),
    "bug": (
        ("## Session Objectives", "bullets:objective"),
        ("## Symptoms", "bullets:symptom"),
        ("## Root Cause", "paragraph:cause"),
        ("## Fix", "bullets:fix"),
        ("## Verification", "bullets:verify"),
        ("## Technical Decisions", "bullets:decision"),
        ("## Issues Encountered", "issues"),
        ("## Next Steps", "numbered:next"),
        ("## Key Insights", "bullets:insight"),
    ),
    "research": (
        ("## Questions", "numbered:question"),
        ("## Findings", "bullets:finding"),
        ("## Recommendations", "bullets:recommend"),
        ("## Next Steps", "numbered:next"),
    ),
    "operation": (
        ("## Operation", "paragraph:operation"),
        ("## Commands to Monitor", "commands"),
        ("## Progress", "bullets:progress"),
        ("## Results", "bullets:result"),
        ("## Next Steps", "numbered:next"),
    ),
    "checkpoint": (
        ("## Current Objectives", "bullets:objective"),
        ("## Next Actions", "numbered:next"),
        ("## Technical State", "bullets:state"),
        ("## Recovery Instructions", "numbered:next"),
        ("## Mission Context", "paragraph:mission"),
    ),
    "reflection": (
        ("## What Happened", "paragraph:happened"),
        ("## What Worked", "bullets:worked"),
        ("## What Did Not", "bullets:didnt"),
        ("## Lessons", "bullets:insight"),
    ),
    "roadmap": (
        ("## Mission", "paragraph:mission"),
        ("## Phases", "phases"),
        ("## Current Phase", "bullets:objective"),
        ("## Open Questions", "bullets:open"),
    ),
}
# Hand-written exports use a few fixed layouts (see /work/shared/fixtures/legacy/).
LEGACY_SECTIONS: tuple[tuple[tuple[str, str], ...], ...] = (
    SECTIONS["feature"],
    (
        ("## Objective", "paragraph:objective"),
        ("## Changes Made", "files"),
        ("## Decisions", "bullets:decision"),
        ("## Notes", "paragraph:finding"),
        ("## TODO", "bullets:next"),
    ),
    (
        ("## Session Objectives", "paragraph:objective"),
        ("## What Was Done", "bullets:result"),
        ("## Issues Encountered", "bullets:issue"),
        ("## Next Steps", "bullets:next"),
    ),
)
LEGACY_STATUS = {
    "in-progress": ("In Progress", "In Progress ({n} of {n2} vendors)", "Ongoing"),
    "complete": ("Complete", "Complete ✅", "Done"),
    "blocked": ("Blocked", "Blocked on {team}"),
    "abandoned": ("Abandoned", "Cancelled"),
}


# --- planning -------------------------------------------------------------------


@dataclass
class Spec:
    """One session to write; links hold ids exactly as they will be written."""

    id: str
    date: dt.date
    title: str
    type: str
    status: str
    topic: str
    tags: list[str]
    legacy: bool
    continues: str | None = None
    requires: list[str] = field(default_factory=list)


@dataclass
class Plan:
    specs: list[Spec]
    diamonds: int = 0


class _Slots(dict[str, str]):
    """Values for `str.format_map`, drawn on first use (so unused slots cost nothing)."""

    def __init__(self, rng: random.Random, topic: str) -> None:
        super().__init__(topic=topic)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        value = draw_slot(self.rng, key.rstrip("0123456789"))
        self[key] = value
        return value


def draw_slot(rng: random.Random, kind: str) -> str:
    pools: dict[str, Sequence[str]] = {
        "comp": COMPONENTS, "feature": FEATURES, "bug": BUGS, "tech": TECH, "data": DATA,
        "metric": METRICS, "latency": LATENCIES, "env": ENVS, "team": TEAMS, "reason": REASONS,
        "module": MODULES, "func": FUNCS,
    }  # fmt: skip
    if kind in pools:
        return rng.choice(pools[kind])
    numbers = {"n": (2, 40), "ms": (3, 900), "pct": (2, 97)}
    if kind in numbers:
        return str(rng.randint(*numbers[kind]))
    if kind == "file":
        return file_path(rng)
    raise KeyError(kind)


def file_path(rng: random.Random) -> str:
    directory, module = rng.choice(DIRS), rng.choice(MODULES)
    if directory.startswith("web/"):
        return f"{directory}/{module.capitalize()}.tsx"
    if directory.startswith("infra/"):
        return f"{directory}/{module}.tf"
    if rng.random() < 0.3:
        return f"tests/test_{module}.py"
    return f"{directory}/{module}.py"


def sentence(rng: random.Random, role: str, topic: str) -> str:
    text = rng.choice(SENTENCES[role]).format_map(_Slots(rng, topic))
    return text[0].upper() + text[1:]


def session_dates(rng: random.Random, count: int) -> list[dt.date]:
    """Sorted dates over SPAN_DAYS; weekends are rarer, as in real projects."""
    dates = []
    while len(dates) < count:
        day = START_DATE + dt.timedelta(days=rng.randrange(SPAN_DAYS))
        if day.weekday() < 5 or rng.random() < 0.25:
            dates.append(day)
    return sorted(dates)


def make_title(rng: random.Random, kind: str, topic: str) -> str:
    slots = _Slots(rng, topic)
    shapes = {
        "feature": ("Add {feature} to the {topic}", "Implement {feature} in the {topic}",
                    "Wire up {feature} for the {topic}", "{topic} {feature}"),
        "bug": ("Fix {bug} in the {topic}", "{topic} {bug}", "Fix {bug} after {tech} upgrade"),
        "research": ("Evaluate {tech} vs {tech2} for the {topic}",
                     "Investigate {metric} in the {topic}", "Spike: {feature} with {tech}"),
        "operation": ("Backfill {data} through the {topic}", "Migrate the {topic} to {tech}",
                      "Reindex {data} on {env}", "Train the {topic} model on new {data}"),
        "checkpoint": ("Checkpoint: {feature} in the {topic}", "Checkpoint before {topic} cutover"),
        "reflection": ("Retrospective on the {topic} rollout", "What went wrong with {feature}"),
        "roadmap": ("Roadmap for the {topic}", "{topic} plan: {feature} and beyond"),
    }  # fmt: skip
    title = rng.choice(shapes[kind]).format_map(slots)
    return title[0].upper() + title[1:]


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    if len(slug) > 60:
        slug = slug[:60].rsplit("_", 1)[0]
    return slug or "untitled"


def unique_id(date: dt.date, title: str, used: set[str]) -> str:
    stem = f"session_{date:%Y%m%d}_{slugify(title)}"
    candidate, number = stem + ".md", 2
    while candidate in used:
        candidate, number = f"{stem}_{number}.md", number + 1
    used.add(candidate)
    return candidate


def pick_status(rng: random.Random, date: dt.date, last: dt.date) -> str:
    weights = NEW_STATUS_WEIGHTS if (last - date).days < RECENT_DAYS else OLD_STATUS_WEIGHTS
    return rng.choices(STATUSES, weights)[0]


def pick_tags(rng: random.Random, topic: str, inherited: Sequence[str]) -> list[str]:
    tags = list(inherited[:1]) + list(COMPONENT_TAGS[topic])
    tags += rng.sample(TAGS, 2)
    wanted = rng.randint(1, 4)
    return list(dict.fromkeys(tags))[:wanted]


def plan_corpus(rng: random.Random, count: int, legacy_share: float) -> Plan:
    """Every session's metadata and links; a link only ever names an earlier session."""
    dates = session_dates(rng, count)
    used: set[str] = set()
    specs: list[Spec] = []
    heads: list[int] = []  # sessions nobody continues yet: where a chain may go on
    linked_by: dict[int, list[int]] = {}  # target -> sources
    plan = Plan(specs=specs)
    for index, date in enumerate(dates):
        parent = pick_parent(rng, index, heads)
        topic = specs[parent].topic if parent is not None and rng.random() < 0.8 else None
        topic = topic or rng.choice(COMPONENTS)
        kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        title = make_title(rng, kind, topic)
        inherited = specs[parent].tags if parent is not None else []
        spec = Spec(
            id=unique_id(date, title, used),
            date=date,
            title=title,
            type=kind,
            status=pick_status(rng, date, dates[-1]),
            topic=topic,
            tags=pick_tags(rng, topic, inherited),
            legacy=rng.random() < legacy_share,
        )
        targets = [] if spec.legacy else pick_requires(rng, index, parent, linked_by, plan)
        if parent is not None and not spec.legacy:
            spec.continues = link_text(rng, specs[parent].id)
            heads.remove(parent)
            targets = [parent, *targets]
        elif spec.legacy and parent is not None:
            spec.continues = specs[parent].id  # legacy: mentioned in the text only
        spec.requires = [link_text(rng, specs[t].id) for t in targets if t != parent]
        for target in targets:
            linked_by.setdefault(target, []).append(index)
        specs.append(spec)
        heads.append(index)
    return plan


def pick_parent(rng: random.Random, index: int, heads: list[int]) -> int | None:
    """A recent session nobody continues yet, or None (a new line of work)."""
    while heads and heads[0] < index - 80:
        heads.pop(0)
    if not heads or rng.random() > 0.45:
        return None
    return rng.choice(heads[-30:])


def pick_requires(
    rng: random.Random, index: int, parent: int | None, linked_by: dict[int, list[int]], plan: Plan
) -> list[int]:
    """Prerequisites: usually none, sometimes recent or foundational ones, a few diamonds."""
    if index < 2:
        return []
    roll = rng.random()
    if roll < 0.06:
        diamond = diamond_sides(rng, index, linked_by)
        if diamond and parent not in diamond:
            plan.diamonds += 1
            return diamond
    if roll < 0.35:
        wanted = rng.choices((1, 2, 3), (6, 3, 1))[0]
        window = index if rng.random() < 0.15 else min(index, 400)
        picks = {index - 1 - rng.randrange(window) for _ in range(wanted)}
        return sorted(pick for pick in picks if pick != parent)
    return []


def diamond_sides(rng: random.Random, index: int, linked_by: dict[int, list[int]]) -> list[int]:
    """Two sessions that both link to one earlier session (so this one closes a diamond)."""
    shared = [t for t in range(max(0, index - 300), index) if len(linked_by.get(t, ())) >= 2]
    if not shared:
        return []
    return sorted(rng.sample(linked_by[rng.choice(shared)], 2))


def link_text(rng: random.Random, session_id: str) -> str:
    """Links are written with `.md` mostly, without it sometimes (both are valid)."""
    return session_id if rng.random() < 0.9 else session_id.removesuffix(".md")


# --- rendering ------------------------------------------------------------------


def yaml_scalar(text: str) -> str:
    """A plain YAML scalar when that is safe, else a double-quoted one."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.()/+'-]*", text) and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def render_frontmatter(rng: random.Random, spec: Spec) -> str:
    lines = [
        "---",
        f"title: {yaml_scalar(spec.title)}",
        f"date: {spec.date.isoformat()}",
        f"type: {spec.type}",
        f"status: {spec.status}",
        f"tags: [{', '.join(spec.tags)}]",
    ]
    if rng.random() < 0.9:
        lines.append(f"summary: {yaml_scalar(sentence(rng, 'objective', spec.topic))}")
    lines += render_requires(rng, spec.requires)
    lines.append(f"continuation_of: {spec.continues or 'null'}")
    if rng.random() < 0.75:
        lines += [f"tokens: {rng.randint(12_000, 190_000)}", f"token_limit: {TOKEN_LIMIT}"]
    if rng.random() < 0.5:
        lines += ["assistant: claude-code", f"transcript: {uuid.UUID(int=rng.getrandbits(128))}"]
    return "\n".join([*lines, "---", ""])


def render_requires(rng: random.Random, requires: list[str]) -> list[str]:
    if not requires:
        return ["prerequisite_sessions: []"] if rng.random() < 0.6 else []
    if rng.random() < 0.8:
        return [f"prerequisite_sessions: [{', '.join(requires)}]"]
    return ["prerequisite_sessions:", *(f"  - {target}" for target in requires)]


def render_legacy_header(rng: random.Random, spec: Spec) -> str:
    colon_inside = rng.random() < 0.4  # `**Date:** x` rather than `**Date**: x`
    heading = "Session Log" if colon_inside else "Session"

    def field_line(key: str, value: str) -> str:
        return f"**{key}:** {value}" if colon_inside else f"**{key}**: {value}"

    lines = [f"# {heading}: {spec.title}"]
    if rng.random() < 0.9:
        lines.append(field_line("Date", spec.date.isoformat()))
    if rng.random() < 0.4:
        lines.append(field_line("Duration", f"~{rng.randint(2, 6)} hours"))
    status = rng.choice(LEGACY_STATUS[spec.status]).format_map(_Slots(rng, spec.topic))
    lines.append(field_line("Status", status))
    if rng.random() < 0.7:
        used = rng.randint(12_000, 190_000)
        lines.append(
            field_line("Tokens", f"{used:,}/{TOKEN_LIMIT:,} ({round(used * 100 / TOKEN_LIMIT)}%)")
        )
    return "\n".join(lines) + "\n"


def render_item(rng: random.Random, kind: str, topic: str, number: int) -> str:
    """Item `number` (1-based) of a section of this kind, as one markdown block."""
    shape, _, role = kind.partition(":")
    if shape == "bullets":
        return f"- {sentence(rng, role, topic)}"
    if shape == "numbered":
        return f"{number}. {sentence(rng, role, topic)}"
    if shape == "paragraph":
        text = " ".join(sentence(rng, role, topic) for _ in range(rng.randint(2, 3)))
        return text if number == 1 else "\n" + text
    if shape == "files":
        return f"- `{file_path(rng)}` - {rng.choice(PURPOSES)}"
    if shape == "issues":
        return f"### Issue {number}: {rng.choice(BUGS)}\n{sentence(rng, 'issue', topic)}"
    if shape == "commands":
        return "```bash\n" + command_line(rng) + "\n```"
    if shape == "phases":
        return f"- Phase {number} - {rng.choice(FEATURES)}: {rng.choice(PHASE_STATES)}"
    raise ValueError(f"unknown section kind {kind!r}")


def command_line(rng: random.Random) -> str:
    module = rng.choice(MODULES)
    return rng.choice(
        (
            f"kubectl logs -f job/{module}-backfill --since=10m",
            f"tail -f logs/{module}.log | grep -i error",
            f"watch -n 30 'psql -c \"select count(*) from {module}_queue\"'",
            f"nvidia-smi --query-gpu=utilization.gpu --format=csv -l {rng.randint(5, 60)}",
        )
    )


def render_body(
    rng: random.Random, spec: Spec, head: str, sections: Sequence[tuple[str, str]]
) -> str:
    """Fill the sections round by round until the file reaches its drawn size."""
    target = rng.randint(MIN_BYTES, MAX_BYTES - 400)
    items = [
        [] if kind == "none" else [render_item(rng, kind, spec.topic, 1)] for _, kind in sections
    ]
    if spec.continues:
        items[0].insert(0, f"- Pick up where {spec.continues} left off.")
    fillable = [number for number, (_, kind) in enumerate(sections) if kind != "none"]
    size = len(head.encode()) + sum(len(h) + 2 for h, _ in sections)
    size += sum(len(item.encode()) + 1 for block in items for item in block)
    while size < target:
        number = rng.choice(fillable)
        kind = sections[number][1]
        if kind.startswith("paragraph") and len(items[number]) >= 3:
            continue  # long prose walls are rare; lists grow instead
        extra = render_item(rng, kind, spec.topic, len(items[number]) + 1)
        items[number].append(extra)
        size += len(extra.encode()) + 1
    separator = "\n---\n\n" if spec.legacy and rng.random() < 0.5 else "\n"
    blocks = [
        f"{heading}\n" + "".join(i + "\n" for i in block)
        for (heading, _), block in zip(sections, items, strict=True)
    ]
    return head + "\n" + separator.join(blocks)


def render_export(rng: random.Random, spec: Spec) -> str:
    if spec.legacy:
        sections = rng.choice(LEGACY_SECTIONS)
        return render_body(rng, spec, render_legacy_header(rng, spec), sections)
    head = render_frontmatter(rng, spec) + f"# Session: {spec.title}\n"
    return render_body(rng, spec, head, SECTIONS[spec.type])


# --- the repository -------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    sessions: int
    legacy: int
    bytes: int
    min_bytes: int
    max_bytes: int
    continuations: int
    prerequisites: int
    diamonds: int
    seconds: float


def generate(target: Path, sessions: int, seed: int = 1, commit: bool = True) -> Summary:
    """Create `target` as a git repository holding the corpus; it must not exist or be empty."""
    started = time.perf_counter()
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} exists and is not empty")
    rng = random.Random(seed)
    plan = plan_corpus(rng, sessions, legacy_share=0.1)
    exports = target / ".sessions"
    exports.mkdir(parents=True)
    sizes = []
    for spec in plan.specs:
        data = render_export(rng, spec).encode()
        (exports / spec.id).write_bytes(data)
        sizes.append(len(data))
    (target / "README.md").write_text(
        f"# Benchmark corpus\n\n{sessions} generated session exports "
        f"(benchmarks/generate.py --seed {seed}).\n"
    )
    init_repository(target, commit, f"Add {sessions} generated session exports (seed {seed})")
    specs = plan.specs
    return Summary(
        sessions=len(specs),
        legacy=sum(spec.legacy for spec in specs),
        bytes=sum(sizes),
        min_bytes=min(sizes, default=0),
        max_bytes=max(sizes, default=0),
        continuations=sum(bool(spec.continues) and not spec.legacy for spec in specs),
        prerequisites=sum(len(spec.requires) for spec in specs),
        diamonds=plan.diamonds,
        seconds=time.perf_counter() - started,
    )


def git(target: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=target, check=True, env=env, stdout=subprocess.DEVNULL)


def init_repository(target: Path, commit: bool, message: str) -> None:
    git(target, "init", "-q")
    git(target, "config", "user.name", "git-sess benchmark")
    git(target, "config", "user.email", "benchmark@example.invalid")
    git(target, "config", "commit.gpgsign", "false")
    if not commit:
        return
    stamp = "2026-01-01T00:00:00+00:00"  # fixed, so the same seed gives the same commit
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    git(target, "add", "-A")
    git(target, "commit", "-q", "--no-verify", "-m", message, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a benchmark corpus of session exports.")
    parser.add_argument("dir", type=Path, help="new (or empty) directory for the repository")
    parser.add_argument("--sessions", type=int, default=10_000, help="number of exports")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--commit", action=argparse.BooleanOptionalAction, default=True, help="commit the corpus"
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(args.dir, args.sessions, args.seed, args.commit)
    except FileExistsError as error:
        parser.error(str(error))
    print(
        f"{args.dir}: {summary.sessions} exports ({summary.legacy} legacy), "
        f"{summary.bytes / 1e6:.1f} MB, {summary.min_bytes}-{summary.max_bytes} bytes each; "
        f"{summary.continuations} continuations, {summary.prerequisites} prerequisites, "
        f"{summary.diamonds} diamonds; {summary.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
