"""Loads sidecar/plugin.py as el-sidecar does and records what it does with the sidecar's api.

Usage: python3 harness.py <plugin.py> <events.db>. insert_event stores into an events table with
el-sidecar's unique (source, ts) index (INSERT OR IGNORE), and every call is printed as one JSON line.
The pollers run as daemon threads, as in el-sidecar, until stdin closes.
"""

import importlib.util
import json
import sqlite3
import sys
import threading

lock = threading.RLock()
out = threading.Lock()
db = sqlite3.connect(sys.argv[2], check_same_thread=False)
db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,"
           " ts TEXT, user_id TEXT, text TEXT, channel TEXT, type TEXT, thread_ts TEXT, bot_id TEXT,"
           " metadata TEXT, picked_up INTEGER DEFAULT 0)")
db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_events_source_ts ON events(source, ts)"
           " WHERE ts IS NOT NULL AND ts != ''")
db.commit()


def emit(record):
    with out:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def insert_event(source, ts='', user_id='', text='', channel='', type='', thread_ts='', bot_id='',
                 metadata=None):
    with lock:
        cur = db.execute("INSERT OR IGNORE INTO events (source, ts, user_id, text, channel, type, thread_ts,"
                         " bot_id, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (source, ts, user_id, text, channel, type, thread_ts, bot_id,
                          json.dumps(metadata) if metadata else None))
        db.commit()
        inserted = cur.rowcount > 0
    emit({"call": "insert_event", "inserted": inserted, "source": source, "ts": ts, "user_id": user_id,
          "text": text, "channel": channel, "type": type, "metadata": metadata})
    return inserted


pollers = []
api = {
    'insert_event': insert_event,
    'notify_waiters': lambda: emit({"call": "notify_waiters"}),
    'register_route': lambda method, path, handler: emit({"call": "register_route", "path": path}),
    'register_poller': lambda name, func: pollers.append((name, func)),
    'register_init': lambda name, func: func(),
    'register_on_pick': lambda name, func: None,
    'register_enrichment': lambda name, func: None,
    'register_watch_handler': lambda name, add, remove: None,
    'get_db': lambda: db,
    'db_lock': lock,
    'project_root': None,
}
spec = importlib.util.spec_from_file_location('el_ipc', sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.register(api)
emit({"call": "registered", "pollers": [name for name, _ in pollers]})
for name, func in pollers:
    threading.Thread(target=func, daemon=True, name=f"poller-{name}").start()
sys.stdin.read()
