"""The kinds of credential the scanner knows by their shape, and what makes a
match harmless (a documented example, a placeholder, a test key).

Formats are those the issuers document (and that gitleaks and detect-secrets
encode): a fixed prefix, then a body of a known alphabet and length. Each regex
starts with a literal, which lets `re` skip ahead by substring search: a
leading \\b, a character class or a case-insensitive flag would make it try
every position, ~30 times slower. Word starts are checked afterwards instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from gitsess.core.patterns import lazy


class Pattern(NamedTuple):
    kind: str
    regex: re.Pattern[str]  # group "value", when present, is the secret itself
    word_start: bool = True  # the match must not continue a longer word
    plausible: Callable[[str], bool] | None = None  # a last test on the value
    # The literal the regex starts with: a text without it is not searched at all
    # (`in` costs a tenth of a regex's own literal scan, and most texts hold none).
    needles: tuple[str, ...] = ("",)
    # Whether a match lies inside one whitespace-free word, so that only the long
    # words of a text need searching (one `split` instead of a scan per needle).
    in_words: bool = True


# What a shape-matched value holds when it only stands in for a credential:
# `ghp_xxxx…`, `sk_live_XXXX…`, `AKIAIOSFODNN7EXAMPLE` (AWS's documented example).
_STAND_INS = ("xxxx", "example", "your", "<", "...", "…", "0000000000", "not-a-real", "notreal")
# Values every tutorial prints, published by their issuers as examples: the JWT of
# jwt.io's debugger, the Azure storage emulator's well-known account key.
_DOCUMENTED = (
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
)


def is_stand_in(value: str) -> bool:
    lowered = value.lower()
    return (
        any(word in lowered for word in _STAND_INS)
        or len(set(value)) <= 5
        or any(known in value for known in _DOCUMENTED)
    )


def is_random(value: str) -> bool:
    """Generated keys mix digits and letters; a hyphenated phrase that happens to
    start like one (`sk-learn-tutorial-notes`) does not."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _real(value: str) -> bool:
    return not is_stand_in(value)


def _real_random(value: str) -> bool:
    return is_random(value) and not is_stand_in(value)


def _mixed_case(value: str) -> bool:
    # A 40-character base64 AWS secret has all three classes; a hex digest has
    # no upper case, a word run no digit.
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
        and not is_stand_in(value)
    )


def _p(
    kind: str,
    regex: str,
    plausible: Callable[[str], bool] = _real,
    needles: tuple[str, ...] = (),
    **kw: bool,
) -> Pattern:
    """A pattern whose needles are given, or else the literal its regex starts with."""
    if not needles:
        start = re.match(r"[\w =:/-]*", regex)
        needles = (start[0] if start else "",)
    return Pattern(kind, lazy(regex), plausible=plausible, needles=needles, **kw)


_AWS_SECRET_VALUE = r"[\"']?[ \t]*[=:][ \t]*[\"']?(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"

# Most specific first: the first one to claim a span keeps it.
SPECIFIC = (
    _p(
        "AWS access key",
        r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}\b",
        needles=("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    _p(
        # A bare secret key written beside its key id: `AKIA… / wJalr…`, a table row.
        "AWS secret key",
        r"A(?:KIA|SIA)[0-9A-Z]{16}[^\n]{1,40}?(?<![A-Za-z0-9/+])(?P<value>[A-Za-z0-9/+]{40})"
        r"(?![A-Za-z0-9/+=])",
        _mixed_case,
        needles=("AKIA", "ASIA"),
        in_words=False,
    ),
    *(
        # also as part of a longer key: prod_aws_secret_access_key
        _p("AWS secret key", key + _AWS_SECRET_VALUE, _mixed_case, word_start=False, in_words=False)
        for key in ("secret_access_key", "SECRET_ACCESS_KEY", "SecretAccessKey")
    ),
    _p(
        # In a sentence: "the secret access key for the deploy user is wJalr…".
        "AWS secret key",
        r"(?i:secret[ _-]access[ _-]key)\b[^\n]{0,60}?(?<![A-Za-z0-9/+])"
        r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        _mixed_case,
        needles=("ecret access key", "ecret Access Key", "ECRET ACCESS KEY", "ecret-access-key"),
        in_words=False,
    ),
    _p(
        "AWS secret key",
        r"Secret Access Key(?: \[[^\]\n]{0,64}\])?:[ \t]*(?P<value>[A-Za-z0-9/+]{40})\b",
        _mixed_case,
        in_words=False,
    ),
    _p(
        "GitHub token",
        r"gh[pousr]_[A-Za-z0-9]{36,255}\b",
        needles=("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    _p("GitHub token", r"github_pat_[A-Za-z0-9_]{22,255}\b"),
    _p(
        "GitLab token",
        r"gl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_\-]{20,255}\b",
        needles=("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-"),
    ),
    # api03, admin01, and the oat01 of OAuth tokens: the type is a short word.
    _p("Anthropic API key", r"sk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_\-]{20,512}"),
    _p(
        "OpenAI API key",
        r"sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,512}",
        lambda value: _real_random(value[3:]),
    ),
    _p(
        "Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]{1,64}/B[A-Za-z0-9_]{1,64}/[A-Za-z0-9_]{1,128}",
        word_start=False,
    ),
    _p("Slack token", r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,512}", needles=("xox", "xapp-")),
    _p("Stripe key", r"sk_live_[A-Za-z0-9]{20,247}\b"),
    _p("Stripe key", r"rk_live_[A-Za-z0-9]{20,247}\b"),
    _p("Stripe webhook secret", r"whsec_[A-Za-z0-9+/]{24,128}"),
    _p("Google API key", r"AIza[A-Za-z0-9_\-]{35}(?![A-Za-z0-9_\-])"),
    _p("npm token", r"npm_[A-Za-z0-9]{36}\b"),
    _p("PyPI token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,1000}"),
    _p("Hugging Face token", r"hf_[A-Za-z]{34}\b"),
    _p("Hugging Face token", r"api_org_[A-Za-z]{34}\b"),
    _p("Docker token", r"dckr_pat_[A-Za-z0-9_\-]{27,64}"),
    _p("SendGrid key", needles=("SG.",), regex=r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}"),
    _p("Twilio key", r"SK[0-9a-fA-F]{32}\b", _real_random),
    _p(
        # The auth token passed beside its account SID: `Client("AC…", "…")`.
        "Twilio auth token",
        r"AC[0-9a-f]{32}[\'\"]?[ \t]*[,:/ ][ \t]*[\'\"]?(?P<value>[0-9a-f]{32})\b",
        _real_random,
        needles=("AC",),
        in_words=False,
    ),
    _p("DigitalOcean token", r"do[opr]_v1_[a-f0-9]{64}\b", needles=("_v1_",)),
    _p("Vault token", r"hv[sb]\.[A-Za-z0-9_\-]{24,256}", _real_random, needles=("hvs.", "hvb.")),
    _p(
        "Shopify token",
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        needles=("shpat_", "shpca_", "shppa_", "shpss_"),
    ),
    _p("Mailgun key", r"key-[0-9a-f]{32}\b", _real_random),
    _p("Databricks token", r"dapi[0-9a-f]{32}\b", _real_random),
    _p("Linear key", r"lin_api_[A-Za-z0-9]{40}\b"),
    _p("Grafana token", r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b"),
    _p("Grafana token", r"glc_[A-Za-z0-9+/]{32,400}={0,2}"),
    _p("Postman key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"),
    _p(
        "Telegram bot token",
        r"(?<![0-9])(?P<value>\d{8,10}:AA[A-Za-z0-9_\-]{33})(?![A-Za-z0-9_\-])",
        needles=(":AA",),
        word_start=False,
    ),
    _p(
        "Discord webhook URL",
        r"https://(?:canary\.|ptb\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_\-]{60,72}",
        _real_random,
        needles=("discord",),
        word_start=False,
    ),
    _p(
        "Azure SAS token",
        r"sig=(?P<value>[A-Za-z0-9%+/]{30,128})",
        _real_random,
        word_start=False,
    ),
    # An Entra ID (Azure AD) client secret: three characters, a digit, `Q~`, then 31–34.
    _p(
        "Azure client secret",
        r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])",
        _real_random,
        needles=("Q~",),
        word_start=False,
    ),
    _p("Bitbucket app password", r"ATBB[A-Za-z0-9_=.\-]{28,64}\b", _real_random),
    _p("Figma token", r"figd_[A-Za-z0-9_\-]{36,64}", _real_random),
    _p(
        "WireGuard private key",
        r"PrivateKey[ \t]*=[ \t]*(?P<value>[A-Za-z0-9+/]{42,43}=)",
        _real_random,
        in_words=False,
    ),
    _p("Azure storage key", r"AccountKey=(?P<value>[A-Za-z0-9+/]{86,88}={0,2})", word_start=False),
    # header.payload.signature, both JSON objects: base64 of `{"` is `eyJ`.
    _p("JWT", r"eyJ[A-Za-z0-9_\-]{10,4096}\.eyJ[A-Za-z0-9_\-]{10,8192}\.[A-Za-z0-9_\-]{16,4096}"),
)
