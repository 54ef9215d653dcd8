#!/usr/bin/env bash
# Starts el-ipc for the Claude Code plugin (its MCP server, hooks and monitor): the plugin checkout's own
# build, else `el-ipc` on the PATH, else one line saying how to get it (exit 127), as sources.d/ipc.sh does.
#   el-ipc.sh <el-ipc arguments>     run el-ipc; the plugin's settings (CLAUDE_PLUGIN_OPTION_*) become IPC_*
#   el-ipc.sh monitor <plugin data>  the inbox monitor: el-ipc tail of @<agent> (and the set channels)
set -euo pipefail

src=${BASH_SOURCE[0]}
while [ -L "$src" ]; do
  case $src in */*) dir=${src%/*} ;; *) dir=. ;; esac
  dir=$(CDPATH= cd -P -- "$dir" && pwd)
  src=$(readlink "$src")
  case $src in /*) ;; *) src=$dir/$src ;; esac
done
case $src in */*) dir=${src%/*} ;; *) dir=. ;; esac
plugin_dir=$(CDPATH= cd -P -- "$dir/.." && pwd)

# Claude Code hands hooks the plugin's settings (userConfig) as CLAUDE_PLUGIN_OPTION_<KEY>.
if [ -n "${CLAUDE_PLUGIN_OPTION_AGENT-}" ]; then export IPC_AGENT=$CLAUDE_PLUGIN_OPTION_AGENT; fi
if [ -n "${CLAUDE_PLUGIN_OPTION_KEY_FILE-}" ]; then export IPC_KEY=$CLAUDE_PLUGIN_OPTION_KEY_FILE; fi
if [ -n "${CLAUDE_PLUGIN_OPTION_SERVER_URL-}" ]; then export IPC_URL=$CLAUDE_PLUGIN_OPTION_SERVER_URL; fi
if [ -n "${CLAUDE_PLUGIN_OPTION_DB_PATH-}" ]; then export IPC_DB_PATH=$CLAUDE_PLUGIN_OPTION_DB_PATH; fi
if [ -n "${CLAUDE_PLUGIN_OPTION_CHANNELS-}" ]; then export IPC_CHANNELS=$CLAUDE_PLUGIN_OPTION_CHANNELS; fi

one_line() { case $1 in *$'\n'*) return 1 ;; esac; }

# A monitor's command cannot carry the settings (Claude Code refuses ${user_config.*} there), so the
# hooks leave them in the plugin's data folder, one per line, and the monitor reads them back as text.
if [ "${1-}" = monitor ]; then
  conf=${2:?usage: el-ipc.sh monitor <plugin data folder>}/settings
  if [ -z "${IPC_AGENT-}" ]; then
    waited=0
    while [ ! -f "$conf" ] && [ "$waited" -lt 120 ]; do sleep 0.5; waited=$((waited + 1)); done
    if [ ! -f "$conf" ]; then
      echo "el-ipc: the plugin has no agent name yet: set it with /plugin (el-ipc, configure) and start a new session" >&2
      exit 1
    fi
    { IFS= read -r IPC_AGENT; IFS= read -r key; IFS= read -r url; IFS= read -r channels; IFS= read -r db; } <"$conf" || true
    export IPC_AGENT
    if [ -n "${key-}" ]; then export IPC_KEY=$key; fi
    if [ -n "${url-}" ]; then export IPC_URL=$url; fi
    if [ -n "${channels-}" ]; then export IPC_CHANNELS=$channels; fi
    if [ -n "${db-}" ]; then export IPC_DB_PATH=$db; fi
  fi
  set -- tail "@$IPC_AGENT${IPC_CHANNELS:+,$IPC_CHANNELS}" "$IPC_AGENT"
elif [ "${1-}" = hook ] && [ -n "${CLAUDE_PLUGIN_DATA-}" ] && [ -n "${IPC_AGENT-}" ]; then
  if one_line "$IPC_AGENT${IPC_KEY-}${IPC_URL-}${IPC_CHANNELS-}${IPC_DB_PATH-}" && mkdir -p -m 700 "$CLAUDE_PLUGIN_DATA" 2>/dev/null; then
    tmp=$CLAUDE_PLUGIN_DATA/.settings.$$
    (umask 077 && printf '%s\n' "$IPC_AGENT" "${IPC_KEY-}" "${IPC_URL-}" "${IPC_CHANNELS-}" "${IPC_DB_PATH-}" >"$tmp") && mv -f "$tmp" "$CLAUDE_PLUGIN_DATA/settings" || rm -f "$tmp"
  fi
fi

cli=$plugin_dir/dist/lib/cli.js
if [ -f "$cli" ] && command -v node >/dev/null 2>&1; then
  exec node "$cli" "$@"
fi
if command -v el-ipc >/dev/null 2>&1; then
  exec el-ipc "$@"
fi
if [ -f "$cli" ]; then
  echo "el-ipc: node not found: the el-ipc plugin in $plugin_dir needs Node.js 20 or later on your PATH" >&2
else
  echo "el-ipc: el-ipc not found: run 'npm install' in $plugin_dir or install el-ipc on your PATH (npm install -g el-ipc)" >&2
fi
exit 127
