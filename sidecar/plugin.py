"""el-ipc plugin for el-sidecar: brings an agent's el-ipc messages into the sidecar's event drain.

el-sidecar loads sidecar/plugin.py of every installed Claude Code plugin and calls register(api). This
plugin only translates: el-ipc stores the messages and keeps the agent's watermarks; a poller thread runs
`el-ipc read <channels> <agent> --wait --peek` (the CLI signs for a secure server), turns each message
into insert_event(source="ipc", ts=<message id>, type="ipc_message", ...), wakes the drain, and only then
acknowledges the messages with `el-ipc ack`. The sidecar ignores a second insert of the same (source, ts),
so a message read again after a crash or a restart is delivered once.

Configuration, first found wins: the plugin's user config (settings.json pluginConfigs["el-ipc@..."]
options agent, key_file, server_url, channels, db_path; or CLAUDE_PLUGIN_OPTION_<KEY>), then IPC_AGENT,
IPC_KEY, IPC_URL, IPC_DB_PATH and IPC_CHANNELS (a comma list; default the agent's @inbox). IPC_CLI names
the el-ipc command when it is neither in this checkout (dist/lib/cli.js) nor on the PATH.

Python standard library only.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = 'ipc'
# Seconds one waiting read lasts before the poller starts the next (the CLI prints [] then).
WAIT_SECONDS = 30
# Pause after a failed read, doubling up to the maximum.
RETRY_SECONDS = (1, 30)
# Channel where a secure el-ipc server records refusals; only operators may read it.
SECURITY_CHANNEL = '_security'

_api = {}
_config = None
_stop = threading.Event()


def _log(text):
    sys.stderr.write(f"[el-ipc] {text}\n")


def _user_config(project_root):
    """The plugin's options from Claude Code's settings files (project local, project, user)."""
    options = {}
    paths = [os.path.expanduser('~/.claude/settings.json')]
    if project_root:
        paths += [os.path.join(project_root, '.claude', 'settings.json'),
                  os.path.join(project_root, '.claude', 'settings.local.json')]
    for path in paths:
        try:
            with open(path) as f:
                configs = json.load(f).get('pluginConfigs', {})
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(configs, dict):
            continue
        for plugin_id, entry in configs.items():
            if plugin_id.split('@')[0] == 'el-ipc' and isinstance(entry, dict):
                opts = entry.get('options', {})
                if isinstance(opts, dict):
                    options.update({k: v for k, v in opts.items() if isinstance(v, str) and v})
    return options


def resolve_config(env=None, project_root=None):
    """Agent, channels and the environment the el-ipc CLI runs with, or None without an agent name."""
    env = dict(os.environ if env is None else env)
    opts = _user_config(project_root)

    def pick(option, variable):
        return (opts.get(option) or env.get('CLAUDE_PLUGIN_OPTION_' + option.upper())
                or env.get(variable) or '')

    agent = pick('agent', 'IPC_AGENT')
    if not agent:
        return None
    channels = [c.strip() for c in pick('channels', 'IPC_CHANNELS').split(',') if c.strip()]
    inbox = '@' + agent
    if inbox not in channels:
        channels.insert(0, inbox)
    cli_env = {k: v for k, v in env.items() if k not in ('IPC_URL', 'IPC_DB_PATH', 'IPC_KEY')}
    for option, variable in (('server_url', 'IPC_URL'), ('db_path', 'IPC_DB_PATH'),
                             ('key_file', 'IPC_KEY')):
        value = pick(option, variable)
        if value:
            cli_env[variable] = value
    return {'agent': agent, 'channels': channels, 'env': cli_env}


def _cli_command(env):
    """How to run el-ipc: IPC_CLI, this checkout's build, or el-ipc on the PATH."""
    if env.get('IPC_CLI'):
        return env['IPC_CLI'].split()
    built = os.path.join(PLUGIN_DIR, 'dist', 'lib', 'cli.js')
    node = shutil.which('node', path=env.get('PATH'))
    if os.path.isfile(built) and node:
        return [node, built]
    found = shutil.which('el-ipc', path=env.get('PATH'))
    return [found] if found else None


def _run(cfg, args, timeout):
    """Runs el-ipc; (exit code, stdout, first stderr line). Exit 127 when el-ipc is missing."""
    cmd = _cli_command(cfg['env'])
    if not cmd:
        return 127, '', 'el-ipc not found: run npm install in the plugin, or put el-ipc on the PATH'
    try:
        p = subprocess.run(cmd + args, env=cfg['env'], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 124, '', 'el-ipc did not answer in time'
    except OSError as e:
        return 127, '', f'cannot run el-ipc: {e}'
    lines = [line for line in p.stderr.splitlines() if line.startswith('el-ipc:')]
    return p.returncode, p.stdout, (lines[-1] if lines else p.stderr.strip()[:500])


def _alert(alert_type, sender, channel, detail, ts=''):
    text = f"[SECURITY] {alert_type}: sender={sender}, channel={channel}"
    if detail:
        text += f" — {detail}"
    _log(text)
    inserted = _api['insert_event'](
        source=SOURCE, ts=ts, type='security_alert', text=text, user_id=sender, channel=channel,
        metadata={'alert_type': alert_type, 'sender': sender, 'channel': channel, 'detail': detail})
    if inserted:
        _api['notify_waiters']()


def _read(cfg, channels):
    """One waiting read (peek); the messages, or raises RuntimeError with el-ipc's refusal."""
    args = ['read', ','.join(channels), cfg['agent'], '--wait', '--peek', '--timeout', str(WAIT_SECONDS)]
    if cfg['env'].get('IPC_KEY'):
        args += ['--key', cfg['env']['IPC_KEY']]
    code, out, err = _run(cfg, args, WAIT_SECONDS + 60)
    if code != 0:
        raise RuntimeError(err or f'el-ipc read exited {code}')
    messages = json.loads(out or '[]')
    return messages if isinstance(messages, list) else []


def _ack(cfg, messages):
    """Moves the watermark past `messages`, one ack per channel (the highest id)."""
    top = {}
    for m in messages:
        top[m['channel']] = max(top.get(m['channel'], 0), m['id'])
    for channel, last in top.items():
        args = ['ack', channel, cfg['agent'], str(last)]
        if cfg['env'].get('IPC_KEY'):
            args += ['--key', cfg['env']['IPC_KEY']]
        code, _, err = _run(cfg, args, 60)
        if code != 0:
            raise RuntimeError(err or f'el-ipc ack exited {code}')


def _insert_message(m):
    metadata = {'sender': m['sender'], 'channel': m['channel'], 'message_id': m['id'],
                'signed': bool(m.get('signed'))}
    return _api['insert_event'](source=SOURCE, ts=str(m['id']), type='ipc_message', text=m['content'],
                                user_id=m['sender'], channel=m['channel'], metadata=metadata)


def _insert_security_event(cfg, m):
    """A _security event about the agent or its channels becomes a security_alert."""
    try:
        event = json.loads(m['content'])
    except ValueError:
        return False
    ours = event.get('agent') == cfg['agent'] or event.get('channel') in cfg['channels']
    if not ours:
        return False
    _alert(event.get('type', 'security'), event.get('agent', ''), event.get('channel', ''),
           event.get('message', ''), ts=f"security-{m['id']}")
    return True


def follow(cfg, channels, handle, stop=None):
    """Reads `channels` until `stop` is set: handle(message) for each, then acknowledges them."""
    stop = stop or _stop
    pause = RETRY_SECONDS[0]
    refused = None
    while not stop.is_set():
        try:
            messages = _read(cfg, channels)
            for m in messages:
                handle(m)
            _api['notify_waiters']()
            _ack(cfg, messages)
            pause, refused = RETRY_SECONDS[0], None
        except Exception as e:  # noqa: BLE001 -- a poller thread must outlive any one failure
            reason = str(e)
            if reason != refused:
                refused = reason
                kind = 'read_refused' if 'el-ipc:' in reason else 'read_failed'
                _alert(kind, cfg['agent'], ','.join(channels), reason)
            stop.wait(pause)
            pause = min(pause * 2, RETRY_SECONDS[1])


def _poll_messages():
    cfg = _config
    if cfg:
        follow(cfg, cfg['channels'], _insert_message)


def _poll_security():
    """Operators also get the server's refusals on their channels; others are refused once and stop."""
    cfg = _config
    if not cfg:
        return
    code, _, _ = _run(cfg, ['read', SECURITY_CHANNEL, cfg['agent'], '--peek', '--limit', '1']
                      + (['--key', cfg['env']['IPC_KEY']] if cfg['env'].get('IPC_KEY') else []), 60)
    if code != 0:
        return
    follow(cfg, [SECURITY_CHANNEL], lambda m: _insert_security_event(cfg, m))


def register(api):
    """Registers the pollers with el-sidecar; without an agent name the plugin stays idle."""
    global _api, _config
    _api = api
    cfg = _config = resolve_config(project_root=api.get('project_root'))
    if not cfg:
        _log('no agent configured (plugin option agent, or IPC_AGENT): not following any channel')
        return
    api['register_poller']('ipc', _poll_messages)
    api['register_poller']('ipc-security', _poll_security)
    where = cfg['env'].get('IPC_URL') or cfg['env'].get('IPC_DB_PATH') or 'the default database'
    _log(f"following {','.join(cfg['channels'])} as {cfg['agent']} on {where}")
