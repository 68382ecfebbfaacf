"""`redact`: credentials in commands and requests replaced by `[redacted]`, the
rest of the line kept; in-process and table-driven."""

from __future__ import annotations

import pytest

from gitsess.core.secrets import REDACTED, find_secrets, redact

REDACTED_CASES = [
    ("psql postgres://app:Xk9fQ2@db/app", "psql postgres://app:[redacted]@db/app"),
    ("mysql://root:pw@localhost:3306/x", "mysql://root:[redacted]@localhost:3306/x"),
    ("redis://:pw123@cache:6379/0", "redis://:[redacted]@cache:6379/0"),
    ("curl https://u:p4ss@example.com/a?b=c@d", "curl https://u:[redacted]@example.com/a?b=c@d"),
    ("mysql -u root -pS3cr3t! app", "mysql -u root -p[redacted] app"),
    ("mysqldump -h db -pX9 ledger > d.sql", "mysqldump -h db -p[redacted] ledger > d.sql"),
    ("redis-cli -h r -a hunter2 ping", "redis-cli -h r -a [redacted] ping"),
    ("sshpass -p 'pw' ssh host", "sshpass -p [redacted] ssh host"),
    ("curl -u admin:s3cret https://x", "curl -u admin:[redacted] https://x"),
    ("curl -s --user 'bob:pw9' x", "curl -s --user 'bob:[redacted]' x"),
    ("tool --password=foo --env prod", "tool --password=[redacted] --env prod"),
    ("tool --db-password 'a b' --x", "tool --db-password [redacted] --x"),
    ("PGPASSWORD=hunter2 psql -h db", "PGPASSWORD=[redacted] psql -h db"),
    ("MYSQL_PWD='x y' mysql", "MYSQL_PWD=[redacted] mysql"),
    ("export GITHUB_TOKEN=abc123", "export GITHUB_TOKEN=[redacted]"),
    ("curl -H 'Authorization: Bearer abc.def-1' x", "curl -H 'Authorization: Bearer [redacted]' x"),
    ('-H "authorization: Basic dXNlcjpwYXNz"', '-H "authorization: Basic [redacted]"'),
    ("-H 'X-Api-Key: k3y'", "-H 'X-Api-Key: [redacted]'"),
    (
        "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0T",
        "t=[redacted]",
    ),
    # What find_secrets reports is redacted too.
    ("push https://ghp_0123456789abcdefghijABCDEFGHIJ012345@gh", "push https://[redacted]@gh"),
    ("key AKIAABCDEFGHIJKLMNOP here", "key [redacted] here"),
    ("api_key = 'sk_live_abcdef1234567890'", "api_key = '[redacted]'"),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- after",
        "[redacted] after",
    ),
]

KEPT = [
    "mkdir -p build && pytest -p no:cacheprovider -q",
    "mysql -u root -p ledger",  # -p alone prompts; `ledger` is the database
    "docker run -p 8080:80 app",
    "ssh -p 22 host",
    "git add -p",
    "export GITHUB_TOKEN=$(cat ~/.token)",
    'PGPASSWORD="$PGPASS" psql',
    "git sess update --tokens 91204",
    "https://example.com:8443/path/@scope/pkg",
    "Add CSV export to the ledger report command",
    "echo $PWD",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED_CASES)
def test_credentials_are_replaced_and_the_rest_kept(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected  # redacting twice changes nothing
    assert find_secrets(expected) == []  # and the commit guard finds nothing left


@pytest.mark.parametrize("text", KEPT)
def test_what_is_no_credential_is_left_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_an_allow_marker_does_not_keep_a_secret_in_a_draft() -> None:
    text = "token ghp_0123456789abcdefghijABCDEFGHIJ012345 # git-sess: allow-secret"
    assert find_secrets(text) == []
    assert REDACTED in redact(text) and "ghp_0123" not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "OLDPWD=/home/dev cd -",  # the shell's previous directory
        "PWD=/home/dev ls",
        "BYPASS=1 make",  # PASS inside another word
        "claude --max-tokens 5000",  # a number is a size, not a secret
        "--token-limit 200000",
    ],
)
def test_what_only_names_a_password_is_kept(text):
    assert redact(text) == text
