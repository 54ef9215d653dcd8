// What hooks announced already, kept in one small private file (0600) in el-ipc's data folder, so a
// reminder is never repeated for the same messages in the same session. Bounded: the newest
// MAX_SESSIONS sessions are kept, each for at most MAX_AGE_S. A file that cannot be read counts as empty.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writePrivateFile } from "../private-file.js";
import type { Announced } from "./hook-reminder.js";

/** Sessions remembered at most; older ones are dropped first. */
export const MAX_SESSIONS = 256;
/** Channels remembered per session at most. */
const MAX_CHANNELS = 128;
/** A session not seen for this long is forgotten (7 days). */
const MAX_AGE_S = 7 * 86_400;

interface Entry {
  /** Unix seconds of the last update. */
  at: number;
  announced: Announced;
}

interface StateFile {
  version: 1;
  sessions: Record<string, Entry>;
}

/** The state of one session of one agent against one database or server. */
export interface HookState {
  announced: Announced;
  /** Stores `announced` for this session (and prunes old sessions). */
  save(announced: Announced): void;
}

function load(path: string): StateFile {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as StateFile;
    if (parsed?.version === 1 && typeof parsed.sessions === "object" && parsed.sessions !== null)
      return parsed;
  } catch {
    // Missing or damaged: start again; the worst outcome is one repeated reminder.
  }
  return { version: 1, sessions: {} };
}

function clean(announced: unknown): Announced {
  const out: Announced = {};
  if (typeof announced !== "object" || announced === null) return out;
  for (const [channel, id] of Object.entries(announced).slice(0, MAX_CHANNELS)) {
    if (Number.isSafeInteger(id) && (id as number) > 0) out[channel] = id as number;
  }
  return out;
}

/**
 * Opens the state at `path` for `scope` (the agent kind, agent, database or server, and session: any
 * strings; only their hash is stored). `now` is Unix seconds.
 */
export function openHookState(path: string, scope: string[], now: number): HookState {
  const id = createHash("sha256").update(scope.join("\0")).digest("hex").slice(0, 32);
  const file = load(path);
  const announced = clean(file.sessions[id]?.announced);
  return {
    announced,
    save(next) {
      const sessions = Object.entries(file.sessions)
        .filter(([k, e]) => k !== id && typeof e?.at === "number" && now - e.at < MAX_AGE_S)
        .sort((a, b) => b[1].at - a[1].at)
        .slice(0, MAX_SESSIONS - 1);
      const out: StateFile = {
        version: 1,
        sessions: Object.fromEntries([[id, { at: now, announced: clean(next) }], ...sessions]),
      };
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writePrivateFile(path, `${JSON.stringify(out)}\n`, 0o600, true);
    },
  };
}
