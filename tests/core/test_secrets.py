"""Finding credentials in an export's text: each kind, line numbers, masking, the
allow marker, and the look-alikes that must not be reported.

Every fake credential is built by concatenation so that this file does not
itself look like it holds one to a secret scanner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsess.core.secrets import ALLOW_MARKER, Finding, _mask, find_secrets, redact

AWS_KEY_ID = "AKIA" + "Q7XJ" * 4
AWS_SECRET = "wJal" + "rXUt7nFE/K7mD+ng" * 2 + "bPxR"
GITHUB_CLASSIC = "ghp_" + "a1B2" * 9
GITHUB_FINE = "github_pat_" + "11AB2cd3" * 4
GITLAB = "glpat-" + "x1Y2z3W4" * 3
ANTHROPIC = "sk-ant-" + "api03-" + "Xy9_Qw8-" * 5
OPENAI = "sk-" + "proj-" + "Ab3dEf6h" * 6
SLACK_TOKEN = "xox" + "b-" + "2468013579-" + "Hq7Lm2Np4Rs6"
SLACK_WEBHOOK = "https://hooks.slack.com/services/" + "T0A1B2C3D4/B5E6F7G8H9/" + "q1w2E3r4" * 3
PASSWORD = "Tr0ub4dor" + "#3xQ"
KEY_BODY = "MIIEow" + "IBAAKCAQEA7v" * 5
KEY_BLOCK = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n" + KEY_BODY + "\n-----END " + "RSA PRIVATE KEY-----"
)

# (kind, the line as it would be pasted into an export, the secret in it)
EACH_KIND = [
    ("AWS access key", f"export AWS_ACCESS_KEY_ID={AWS_KEY_ID}", AWS_KEY_ID),
    ("AWS secret key", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("GitHub token", f"git clone https://{GITHUB_CLASSIC}@github.com/acme/api.git", GITHUB_CLASSIC),
    ("GitHub token", f'GH_TOKEN="{GITHUB_FINE}" gh pr list', GITHUB_FINE),
    ("GitLab token", f"curl --header 'PRIVATE-TOKEN: {GITLAB}' https://gitlab.com/api", GITLAB),
    ("Anthropic API key", f"ANTHROPIC_API_KEY={ANTHROPIC}", ANTHROPIC),
    ("OpenAI API key", f'client = OpenAI(api_key="{OPENAI}")', OPENAI),
    ("Slack token", f"SLACK_BOT_TOKEN={SLACK_TOKEN}", SLACK_TOKEN),
    ("Slack webhook URL", f"curl -X POST {SLACK_WEBHOOK} -d @msg.json", SLACK_WEBHOOK),
    ("password assignment", f'DB_PASSWORD="{PASSWORD}"', PASSWORD),
    ("private key block", KEY_BLOCK, KEY_BODY),
]


def assert_masked(finding: Finding, secret: str) -> None:
    shown = finding.masked.replace("…", "")
    assert secret not in finding.masked
    assert secret not in finding.describe("notes.md")
    if finding.kind != "private key block":  # shows its BEGIN line, no key material
        assert len(shown) <= 6 and secret.startswith(shown[:2])


@pytest.mark.parametrize(("kind", "line", "secret"), EACH_KIND, ids=[k[0] for k in EACH_KIND])
def test_each_kind_is_found_on_its_line_and_masked(kind, line, secret):
    text = f"# Session: deploy\n\n## Notes\n{line}\nThen the deploy went through.\n"

    findings = find_secrets(text)

    assert [(f.line, f.kind) for f in findings] == [(4, kind)]
    assert_masked(findings[0], secret)


def test_masked_value_keeps_four_then_two_characters():
    (finding,) = find_secrets(f"key id {AWS_KEY_ID} in the log")

    assert finding.masked == "AKIA…XJ"
    assert finding.describe(".sessions/s.md") == ".sessions/s.md:1: AWS access key AKIA…XJ"


def test_short_values_show_at_most_a_quarter_of_their_characters():
    assert _mask("abcdefghi") == "ab…"
    assert _mask("abcdefghijkl") == "abc…"  # a 12-character password: 3 shown, not 6
    assert _mask("abcdefghijklmno") == "abc…"
    assert _mask("abcdefghijklmnop") == "abcd…op"  # a token: its kind in its prefix


def test_private_key_block_is_reported_once_at_its_begin_line():
    text = f"intro\n\n{KEY_BLOCK.replace(KEY_BODY, KEY_BODY + chr(10) + 'password=' + PASSWORD)}\n"

    findings = find_secrets(text)

    assert findings == [
        Finding(3, "private key block", "-----BEGIN " + "RSA PRIVATE KEY-----"),
    ]


@pytest.mark.parametrize("label", ["", "EC ", "OPENSSH ", "ENCRYPTED ", "PGP "])
def test_each_private_key_label_is_found(label):
    block_type = label + "PRIVATE KEY" + (" BLOCK" if label == "PGP " else "")
    text = f"-----BEGIN {block_type}-----\n{KEY_BODY}\n-----END {block_type}-----\n"

    assert [f.kind for f in find_secrets(text)] == ["private key block"]


def test_a_key_block_cut_off_before_its_end_is_still_found():
    text = "pasted:\n-----BEGIN " + "OPENSSH PRIVATE KEY-----\n" + KEY_BODY + "\n"

    assert [(f.line, f.kind) for f in find_secrets(text)] == [(2, "private key block")]


def test_findings_come_in_line_then_column_order():
    text = "\n".join(
        [
            "---",
            "title: Leaky",
            "---",
            f"first {SLACK_TOKEN} then {AWS_KEY_ID}",
            "",
            f"later {GITHUB_CLASSIC}",
        ]
    )

    findings = find_secrets(text)

    assert [(f.line, f.kind) for f in findings] == [
        (4, "Slack token"),
        (4, "AWS access key"),
        (6, "GitHub token"),
    ]


def test_line_numbers_survive_characters_that_lower_to_two():
    # "İ".lower() is two characters long: offsets taken in a lowered copy would drift.
    text = "İzmir İstanbul İzmit\n" * 3 + f"password: {PASSWORD}\n"

    findings = find_secrets(text)

    assert [(f.line, f.kind, f.masked) for f in findings] == [(4, "password assignment", "Tr0…")]


def test_a_specific_kind_wins_over_the_generic_assignment():
    text = "\n".join(
        [
            f"token = {GITHUB_CLASSIC}",
            f"OPENAI_API_KEY={OPENAI}",
            f"aws_secret_access_key: {AWS_SECRET}",
            f'"slack_token": "{SLACK_TOKEN}"',
        ]
    )

    kinds = [(f.line, f.kind) for f in find_secrets(text)]

    assert kinds == [
        (1, "GitHub token"),
        (2, "OpenAI API key"),
        (3, "AWS secret key"),
        (4, "Slack token"),
    ]


def test_an_anthropic_key_is_counted_once_and_not_as_openai():
    oauth = "sk-ant-" + "oat01-" + "Zz8_Yy7-" * 5
    text = f"export ANTHROPIC_API_KEY={ANTHROPIC}\nCLAUDE_CODE_OAUTH_TOKEN={oauth}\n"

    findings = find_secrets(text)

    assert [(f.line, f.kind) for f in findings] == [
        (1, "Anthropic API key"),
        (2, "Anthropic API key"),
    ]


def test_an_unknown_sk_ant_value_is_never_called_an_openai_key():
    odd = "sk-ant-" + "Ab3dEf6h" * 4

    assert "OpenAI API key" not in [f.kind for f in find_secrets(f"key: {odd}\n")]


@pytest.mark.parametrize(
    "line",
    [
        f"{GITHUB_CLASSIC}  <!-- {ALLOW_MARKER} -->",
        f"password = '{PASSWORD}'  # {ALLOW_MARKER}",
        f"{AWS_KEY_ID} <!--git-sess:allow-secret-->",
        f"{SLACK_WEBHOOK} (GIT-SESS: ALLOW-SECRET, revoked)",
    ],
)
def test_the_allow_marker_skips_its_own_line_only(line):
    text = f"{line}\nnext: {GITLAB}\n"

    assert [(f.line, f.kind) for f in find_secrets(text)] == [(2, "GitLab token")]


def test_the_allow_marker_on_or_just_before_begin_skips_a_key_block():
    before = f"<!-- {ALLOW_MARKER}: throwaway test key -->\n{KEY_BLOCK}\n"
    on_begin = KEY_BLOCK.replace("KEY-----\n", f"KEY----- <!-- {ALLOW_MARKER} -->\n", 1)
    too_far = f"<!-- {ALLOW_MARKER} -->\n\n{KEY_BLOCK}\n"

    assert find_secrets(before) == []
    assert find_secrets(on_begin) == []
    assert [(f.line, f.kind) for f in find_secrets(too_far)] == [(3, "private key block")]


@pytest.mark.parametrize(
    "line",
    [
        "password = ${DB_PASSWORD}",
        "PASSWORD=$DB_PASSWORD_FROM_VAULT",
        "api_key: <your-api-key-here>",
        "token = '************'",
        "secret: xxxxxxxxxxxxxxxx",
        "client_secret=xxxx-xxxx-xxxx-xxxx",
        "password: changeme123456",
        "api_key = 'sk-example-key-0000'",
        "password = aaaaaaaaaaaaaaaa",
        "api_key = os.environ['OPENAI_API_KEY']",
        'token = os.getenv("GITHUB_TOKEN")',
        "const apiKey = process.env.STRIPE_API_KEY;",
        "password = getpass.getpass()",
        "client_secret: settings.OAUTH_CLIENT_SECRET",
        "api_key = OPENAI_API_KEY",
        "password=password_from_form",
        "secretName: api-gateway-tls-cert",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "password: None",
        "token = null",
        "verify_token: true",
        "use_secret: false",
        "tokenizer = AutoTokenizer.from_pretrained('gpt2')",
        "PWD=/home/dev/projects/git-sess",
        "  password:\n    description: At least 12 characters.",  # an OpenAPI schema
        "token_url: https://auth.acme.io/oauth2/token",
        "The password field is required and the secret manager rotates it nightly.",
        "We hit the token limit again; the API key rotation is documented elsewhere.",
        "**Token:** authentication",
        "token: 12",
        "tokens: 91204",
        "token_limit: 200000",
        "max_tokens=4096, total_tokens: 1,234,567",
        "I learned sk-learn-style-pipelines-are-everywhere here",
        "the risk-2024-assessment-for-q3 review",
    ],
)
def test_placeholders_references_numbers_and_prose_are_not_reported(line):
    assert find_secrets(f"intro\n{line}\n") == []


SESSION_EXPORT = """\
---
title: Rotate CI credentials and fix the flaky deploy job
date: 2025-12-01
type: operation
status: completed
tags: [ci, security, deploy]
tokens: 91204
token_limit: 200000
prerequisite_sessions: [session_20251128_ci_audit.md]
continuation_of: null
---
# Session: Rotate CI credentials and fix the flaky deploy job

**Tokens:** 91,204/200,000 (46%)

## Session Objectives
- Move every CI secret out of the workflow file and into the secret manager.
- Find why the deploy job fails one run in five.

## Completed Work

### Files Modified
- `.github/workflows/deploy.yml` - reads the token from `${{ secrets.DEPLOY_TOKEN }}`
- `app/settings.py` - `api_key = os.environ["PAYMENTS_API_KEY"]`, no default

## Technical Decisions
- The password field is required at login; we did not relax that.
- Access keys rotate every 90 days; the rotation job owns them, not people.
- API key lookups go through `settings.PAYMENTS_API_KEY` so tests can override it.

## Issues Encountered
The deploy step ran out of tokens in the rate limiter: `max_tokens=4096` was
per minute, not per request.

```python
def connect() -> Client:
    password = getpass.getpass("Database password: ")
    token = os.getenv("DEPLOY_TOKEN")
    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
    return Client(token=token, password=password, timeout=30)
```

```yaml
env:
  AWS_REGION: eu-west-1
  API_TOKEN: ${{ secrets.API_TOKEN }}
volumes:
  - name: tls
    secret:
      secretName: deploy-gateway-tls
```

```console
$ pwd
/home/dev/projects/payments
$ echo $PWD
/home/dev/projects/payments
$ export DEPLOY_TOKEN=$(vault read -field=token secret/ci/deploy)
$ git log --oneline -3
9f2c4e1 Read the deploy token from the secret manager
41ab07d Drop the hard-coded password from settings
c03e9aa Retry the deploy step once on 502
$ pytest -q tests/test_settings.py
........                                                    [100%]
8 passed in 0.41s
$ gh secret list
DEPLOY_TOKEN        Updated 2025-12-01
PAYMENTS_API_KEY    Updated 2025-12-01
```

## Next Steps
1. Revoke the old token once the new one has run for a week.
2. Document the secret names in `docs/ci.md`.

## Key Insights
- Secrets in workflow files leak through forks; keep them in the secret manager.
"""


def test_a_realistic_export_without_secrets_has_no_findings():
    assert find_secrets(SESSION_EXPORT) == []


def test_the_same_export_with_a_pasted_token_has_exactly_that_finding():
    pasted = f"$ gh auth login --with-token {GITHUB_FINE}"
    leaky = SESSION_EXPORT.replace("$ gh secret list", pasted)
    line = leaky.splitlines().index(pasted) + 1

    assert [(f.line, f.kind) for f in find_secrets(leaky)] == [(line, "GitHub token")]


def test_two_megabytes_of_ordinary_prose_have_no_findings():
    # Completing at all is the point: a backtracking regex would not finish.
    paragraph = (
        "We went over the password policy, the token budget and the secret rotation "
        "schedule again; access: granted to the on-call engineer only. The API key "
        "vault stays as it is. Next: re-run the import with --limit 5000 and compare.\n"
    )
    text = paragraph * (2_000_000 // len(paragraph) + 1)

    assert len(text) >= 2_000_000
    assert find_secrets(text) == []


# --- the labelled corpus: recall and precision on realistic note text ---------------

CORPORA = Path(__file__).parents[1] / "fixtures" / "secrets"
# Ours, and one an evaluator wrote without seeing the rules or ours.
CORPUS_FILES = ["corpus.tsv", "evaluator.tsv"]
RECALL_TARGET = 0.90
PRECISION_TARGET = 0.95


@pytest.fixture(params=CORPUS_FILES)
def corpus(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def corpus_rows(name: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for raw in (CORPORA / name).read_text(encoding="utf-8").splitlines():
        if raw and not raw.startswith("#"):
            label, kind, value, line = raw.split("\t", 3)
            rows.append((label, kind, value, line))
    return rows


def test_the_corpus_is_large_and_varied_enough_to_mean_something(corpus):
    rows = corpus_rows(corpus)
    secrets = [row for row in rows if row[0] == "secret"]
    assert len(rows) >= 150
    assert len({kind for _, kind, _, _ in secrets}) >= 30
    assert len(rows) - len(secrets) >= 80  # look-alikes
    assert all(value in line for label, _, value, line in secrets)


def test_recall_and_precision_on_the_labelled_corpus_meet_the_targets(corpus):
    caught = missed = false_alarms = 0
    wrong = []
    for label, kind, _value, line in corpus_rows(corpus):
        found = bool(find_secrets(line))
        if label == "secret":
            caught += found
            missed += not found
        else:
            false_alarms += found
        if found != (label == "secret"):
            wrong.append(f"{label} {kind}: {line}")
    recall = caught / (caught + missed)
    precision = caught / (caught + false_alarms)
    print(f"secret guard on {corpus}: recall {recall:.1%}, precision {precision:.1%}")

    assert recall >= RECALL_TARGET, wrong
    assert precision >= PRECISION_TARGET, wrong


def test_every_finding_in_the_corpus_shows_its_value_masked(corpus):
    for label, kind, value, line in corpus_rows(corpus):
        # A key block's BEGIN line is what is shown of it.
        if label != "secret" or kind == "private-key" or value.startswith("-----BEGIN"):
            continue
        for finding in find_secrets(line):
            assert value not in finding.describe("notes.md"), line
            # masking shows at most six characters of a longer value
            assert len(finding.masked.replace("…", "")) <= 6


def test_redacting_a_corpus_line_removes_its_credential(corpus):
    for label, kind, value, line in corpus_rows(corpus):
        # (a BEGIN line alone holds no key material; a missed line is counted above)
        block = kind == "private-key" or value.startswith("-----BEGIN")
        if label == "secret" and not block and find_secrets(line):
            assert value not in redact(line), line
            assert find_secrets(redact(line)) == [], line
