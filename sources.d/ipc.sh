#!/usr/bin/env bash
# el event source: `event-listen.sh ipc <channel> <agent> [--key <file>]` blocks until a message
# arrives on the channel, prints the unread messages as a JSON array and exits (el-ipc read --wait).
set -euo pipefail

if [ "$#" -lt 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  echo "usage: ipc.sh <channel> <agent> [--key <file>] [el-ipc read flags]" >&2
  exit 2
fi
channel=$1
agent=$2
shift 2

# The plugin directory is this script's directory's parent. Symlinks are followed one at a time
# with plain readlink, because readlink -f and realpath are missing on older macOS.
src=${BASH_SOURCE[0]}
while [ -L "$src" ]; do
  case $src in */*) dir=${src%/*} ;; *) dir=. ;; esac
  dir=$(CDPATH= cd -P -- "$dir" && pwd)
  src=$(readlink "$src")
  case $src in /*) ;; *) src=$dir/$src ;; esac
done
case $src in */*) dir=${src%/*} ;; *) dir=. ;; esac
plugin_dir=$(CDPATH= cd -P -- "$dir/.." && pwd)

# exec: el's SIGTERM then reaches the reader itself, and its exit status is ours.
cli=$plugin_dir/dist/lib/cli.js
if [ -f "$cli" ] && command -v node >/dev/null 2>&1; then
  exec node "$cli" read "$channel" "$agent" --wait ${1+"$@"}
fi
if command -v el-ipc >/dev/null 2>&1; then
  exec el-ipc read "$channel" "$agent" --wait ${1+"$@"}
fi
if [ -f "$cli" ]; then
  echo "ipc.sh: node not found: el-ipc in $plugin_dir needs Node.js 20 or later on your PATH" >&2
else
  echo "ipc.sh: el-ipc not found: run 'npm install' in $plugin_dir or install el-ipc on your PATH" >&2
fi
exit 127
