#!/bin/sh
# git-sess {{hook}} hook, written by `git sess hooks install`.
# `git sess hooks uninstall` removes it and puts back the hook that was here
# before, which is kept beside it as {{hook}}.legacy and runs first.
#
# It starts Python only when the sessions directory is involved: an unrelated
# commit costs one `git diff --cached --quiet`, whose answer the later hooks
# of the same git command read from the state file instead of asking again.
hook={{hook}}
python={{python}}
sessions={{sessions_dir}}
state={{state}}
# The resident hook server's client (gitsess/hooks/client.py, in this folder): it
# hands the hook to a Python that has loaded git-sess, or runs it in-process.
package_root={{package_root}}
hook_socket={{hook_socket}}

# The hooks of one git command know each other by git's process id. The
# pre-commit framework runs this hook as its legacy hook, from a process of
# its own: git is then one step further up.
git_pid=$PPID
if [ -n "$PRE_COMMIT_RUNNING_LEGACY" ]; then
    git_pid=$(ps -o ppid= -p "$PPID" 2>/dev/null | tr -d ' ')
    [ -n "$git_pid" ] || git_pid=$PPID
fi
# One state file per git command: git commands that run at once (two commits
# in one repository, or in two of its worktrees) must not read each other's.
# It lives in git-sess's scratch folder, whose leftovers (a commit that
# stopped between its hooks) are swept after an hour.
state=$state-$git_pid

# post-rewrite reads git's list of rewritten commits on stdin: the hook that
# was here before gets it, and so does ours.
input=
if [ "$hook" = post-rewrite ]; then
    input=$state.rewritten.$$
    cat >"$input" 2>/dev/null || input=/dev/null
    trap 'rm -f "$state.rewritten.$$"' EXIT
fi

if [ -x "$0.legacy" ] && [ -n "$input" ]; then
    "$0.legacy" "$@" <"$input" || exit $?
elif [ -x "$0.legacy" ]; then
    "$0.legacy" "$@" || exit $?
fi

run() {
    if [ -x "$python" ] && [ -f "$package_root/gitsess/hooks/client.py" ] &&
        [ "${GITSESS_HOOK_SERVER-}" != 0 ]; then
        # No socket: no server; Python runs the hook and starts one for the next.
        if [ -S "$hook_socket" ]; then
            GIT_SESS_HOOK_STATE=$state GIT_SESS_GIT_PID=$git_pid exec "$python" -S -E -c \
                'import sys; sys.path[:0] = sys.argv[1:2]; from gitsess.hooks.client import main; main(sys.argv[2:])' \
                "$package_root" "$hook_socket" "$@"
        fi
        GIT_SESS_START_HOOK_SERVER=${hook_socket%/*}
        export GIT_SESS_START_HOOK_SERVER
    fi
    if [ -x "$python" ]; then
        GIT_SESS_HOOK_STATE=$state GIT_SESS_GIT_PID=$git_pid exec "$python" -m gitsess.hooks "$@"
    fi
    if command -v git-sess >/dev/null 2>&1; then
        echo "git-sess: $python is gone; using git-sess from PATH (git sess hooks install records it)" >&2
        GIT_SESS_HOOK_STATE=$state GIT_SESS_GIT_PID=$git_pid exec git-sess hook "$@"
    fi
    echo "git-sess: warning: $python is gone and git-sess is not on PATH: the $hook hook did nothing" >&2
    echo "hint: reinstall git-sess and run git sess hooks install, or run git sess hooks uninstall" >&2
    exit 0
}

# Search-index refreshes run detached, so they never slow down or speak into git;
# not even started where the worktree has no search index (no manifest: search/
# store.py's INDEX_DIR, manifest.py's MANIFEST; a linked worktree's is Python's to find).
search_manifest=.git/gitsess/search/gitsess-manifest.json
refresh() {
    [ ! -d .git ] || [ -f "$search_manifest" ] || return 0
    (run refresh) </dev/null >/dev/null 2>&1 &
}

seen=
{ read -r seen <"$state"; } 2>/dev/null

case $hook in
pre-commit | pre-merge-commit)
    # Written before looking, so that its time is earlier than any staging
    # the look did not see (post-commit compares the two), with HEAD as it
    # was: the commits made since are the ones a raced commit may have
    # spoilt. Python replaces it when the sessions directory has changes.
    # (Read from the files, as git keeps a branch it just committed to: no
    # process on every commit; git is asked only for anything else.)
    head=
    if [ -d .git ] && read -r head <.git/HEAD 2>/dev/null; then
        case $head in
        "ref: refs/"*) ref=.git/${head#ref: } head= && { read -r head <"$ref"; } 2>/dev/null ;;
        esac
    fi
    case $head in
    [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]*) ;;
    *) head=$(git rev-parse -q --verify HEAD 2>/dev/null) ;;
    esac
    { echo "$git_pid none $head" >"$state"; } 2>/dev/null
    if git diff --cached --quiet -- "$sessions"; then
        # The last pick of a cherry-pick or revert sequence: git removes
        # .git/sequencer before post-commit, which repairs the picks from what
        # Python records here. (A linked worktree keeps its own; ask git.)
        sequencer=.git/sequencer
        [ -d .git ] || sequencer=$(git rev-parse --git-path sequencer)
        [ -f "$sequencer/todo" ] && run "$hook"
        exit 0
    fi
    # Which exports the work tree holds otherwise than staged (hooks/staged.py)
    # is an lstat per export: at 30,000 sessions as long as Python takes to
    # start, so git lists them beside it, from now, and Python reads the list
    # on its standard input when it needs it, ended by a mark that git
    # finished (without it, Python asks git again). Python's answer is the hook's.
    export GIT_SESS_LISTING="$sessions/"
    {
        git ls-files -z --modified --others -- "$sessions/" 2>/dev/null &&
            printf '\0git-sess: listed\0'
    } | run "$hook"
    exit $?
    ;;
prepare-commit-msg)
    # A message from -m or -F, a template, a merge, a squash or an amend: never touched.
    [ -z "$2" ] || exit 0
    case $seen in "$git_pid none"*) exit 0 ;; esac
    run "$hook" "$@"
    ;;
commit-msg)
    # The Session: trailer, off unless `git config sess.trailer true`; only a
    # commit that changes files outside the sessions directory starts Python.
    # (Exit 128 is a value that is not a boolean: Python says so.)
    trailer=$(git config --bool --get sess.trailer 2>/dev/null)
    case $? in
    0) [ "$trailer" = true ] || exit 0 ;;
    1) exit 0 ;;
    esac
    git diff --cached --quiet -- ":(top)" ":(top,exclude,literal)$sessions" && exit 0
    run "$hook" "$@"
    ;;
post-commit)
    case $seen in
    "$git_pid none"*)
        # git reads the staging area again after pre-commit: when it changed
        # since pre-commit found no session change in it (another process
        # staged something), look whether the commit holds one after all.
        [ "$state" -nt "${GIT_INDEX_FILE:-.git/index}" ] ||
            git diff-tree --quiet --no-commit-id --root -r --diff-merges=first-parent HEAD -- "$sessions" ||
            (run post-commit raced)
        ;;
    "$git_pid checked") refresh ;;
    "$git_pid checked "*)
        # git read the staging area again after pre-commit: when another
        # process staged session changes meanwhile, the sessions tree of the
        # commit just made is not the one the hook checked, and Python
        # rebuilds it (named by its id: more commits may land on it meanwhile).
        # shellcheck disable=SC2046 # two ids: the commit, its sessions tree
        set -- $(git rev-parse HEAD "HEAD:$sessions" 2>/dev/null)
        checked=${seen#"$git_pid checked "} # the tree checked, then HEAD as it was
        [ "${2-}" = "${checked%% *}" ] || (run post-commit raced)
        refresh
        ;;
    "$git_pid checked-partial")
        # `git commit FILE…` committed a temporary staging area; the real one
        # still holds the old index file: give it the one just committed, or,
        # when other session changes stay staged, the one they call for.
        index="$sessions/session_index.md"
        if git diff --cached --quiet HEAD -- "$sessions" ":(exclude)$index"; then
            oid=$(git rev-parse -q --verify "HEAD:$index") &&
                git update-index --cacheinfo "100644,$oid,$index"
        else
            (run post-commit partial)
        fi
        refresh
        ;;
    *)  # the pre-commit hook did not run (a rebase, a cherry-pick, --no-verify),
        # or it recorded the pick sequence this commit ends: repair the index
        sequencer=$(git rev-parse --git-path sequencer)
        if [ -f "$sequencer/todo" ]; then
            # a running cherry-pick or revert: its picks are repaired with the last one
            [ "$(grep -c '^[^#]' "$sequencer/todo")" -gt 1 ] || (run post-commit)
        elif [ "${seen%% *}" = "$git_pid" ] ||
            ! git diff-tree --quiet --no-commit-id --root -r --diff-merges=first-parent HEAD -- "$sessions"; then
            (run post-commit)
        fi
        refresh
        ;;
    esac
    rm -f "$state"
    ;;
post-merge)
    git diff --quiet ORIG_HEAD HEAD -- "$sessions" 2>/dev/null && exit 0
    # git wrote the merge's tree before pre-merge-commit staged the index the
    # merged exports call for: when that differs, the merge commit is rebuilt.
    if git rev-parse -q --verify HEAD^2 >/dev/null &&
        ! git diff --cached --quiet HEAD -- "$sessions/session_index.md"; then
        (run post-merge)
    fi
    refresh
    ;;
post-checkout)
    [ "$1" = "$2" ] || git diff --quiet "$1" "$2" -- "$sessions" 2>/dev/null || refresh
    ;;
post-rewrite)
    # A rebase never runs pre-commit: its commits are checked once it is done.
    [ "$1" = rebase ] && (run post-rewrite "$1") <"$input"
    refresh
    ;;
esac
exit 0
