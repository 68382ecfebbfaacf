"""The time now: the system clock, or the one GIT_SESS_NOW fixes.

GIT_SESS_NOW makes output reproducible (a demo, docs/tour.md and the test that
replays it): an ISO 8601 time such as `2025-12-03T12:00:00+00:00` (`Z` for UTC;
without an offset it is local time), shown in the local time zone. It moves only
git sess's "now": the date `git sess new` gives by default, a checkpoint's name
and time (the PreCompact hook's too), the time and ages `status` and `time`
print. File times are not moved, nor git's commit dates (git has
GIT_AUTHOR_DATE and GIT_COMMITTER_DATE for those), nor the times the assistant
log and the search index record (when something really ran).
"""

from __future__ import annotations

import datetime as dt
import os

from gitsess.core.errors import GitSessError

VARIABLE = "GIT_SESS_NOW"


def now() -> dt.datetime:
    """The time now, with the local time zone."""
    raw = os.environ.get(VARIABLE)
    if not raw:
        return dt.datetime.now().astimezone()
    text = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw  # 3.10 knows no Z
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise GitSessError(
            f"{VARIABLE}={raw!r} is not an ISO 8601 time",
            f"write it as 2025-12-03T12:00:00+00:00, or unset {VARIABLE} for the system clock",
        ) from None
    return moment.astimezone()


def today() -> dt.date:
    """The local date now."""
    return now().date()
