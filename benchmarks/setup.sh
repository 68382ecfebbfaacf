#!/bin/sh
# What the benchmarks need beyond the package: ripgrep, to compare search with.
set -e
command -v rg >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q ripgrep; else sudo apt-get install -y -q ripgrep; fi
elif command -v brew >/dev/null 2>&1; then
    brew install ripgrep
else
    echo "setup.sh: install ripgrep (https://github.com/BurntSushi/ripgrep) and run again" >&2
    exit 1
fi
