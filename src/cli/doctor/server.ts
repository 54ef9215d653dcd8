// Doctor's checks of a server: it answers, which version it runs, and how far its clock is from ours
// (signed requests and messages are refused beyond ±5 minutes of skew).
import { VERSION } from "../../core/version.js";
import { type CheckResult, failed, pass, warn } from "./check.js";

/** Accepted clock skew of signed timestamps (the queue's default replay window). */
export const MAX_SKEW_MS = 5 * 60_000;
/** How long doctor waits for the server. */
const TIMEOUT_MS = 5_000;

/** What the server checks need; `now` is injectable so a test can fake our clock. */
export interface ServerCheckOptions {
  url: string;
  /** Our clock, Unix ms. Default Date.now. */
  now?: () => number;
}

async function getJson(url: string): Promise<{ status: number; date: string | null; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, date: res.headers.get("date"), body };
}

/** Checks that the server at `url` answers, its version and its clock. */
export async function checkServer(o: ServerCheckOptions): Promise<CheckResult[]> {
  const now = o.now ?? Date.now;
  const base = o.url.replace(/\/+$/, "");
  const sentAt = now();
  let health: Awaited<ReturnType<typeof getJson>>;
  try {
    health = await getJson(`${base}/health`);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const why = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message;
    return [
      failed(
        "server",
        `${base} does not answer (${why})`,
        "start it (el-ipc serve), or point --server / IPC_URL at the right address",
      ),
    ];
  }
  const midpoint = (sentAt + now()) / 2;
  const h = health.body as { status?: unknown; secure_mode?: unknown } | undefined;
  if (health.status !== 200 || h?.status !== "ok") {
    return [
      failed(
        "server",
        `${base}/health answered ${health.status}, not el-ipc's status`,
        "check that --server / IPC_URL is an el-ipc server",
      ),
    ];
  }
  const results: CheckResult[] = [
    pass("server", `${base} answers (${h.secure_mode === true ? "secure" : "open"} mode)`),
  ];
  try {
    const card = await getJson(`${base}/.well-known/agent-card.json`);
    const version = (card.body as { version?: unknown } | undefined)?.version;
    results.push(
      typeof version !== "string"
        ? warn(
            "server version",
            "the server's agent card names no version",
            "upgrade the server to this el-ipc version",
          )
        : version === VERSION
          ? pass("server version", `${version}, as this CLI`)
          : warn(
              "server version",
              `the server runs ${version}, this CLI is ${VERSION}`,
              "run the same version on both (npm install -g el-ipc@<version>)",
            ),
    );
  } catch (e) {
    results.push(
      warn(
        "server version",
        `no agent card (${(e as Error).name})`,
        "upgrade the server to this el-ipc version",
      ),
    );
  }
  const serverMs = health.date ? Date.parse(health.date) : Number.NaN;
  if (Number.isNaN(serverMs)) {
    results.push(
      warn(
        "clock",
        "the server sent no Date header to compare clocks with",
        "check any proxy in front of it",
      ),
    );
  } else {
    // The Date header has whole seconds: a skew under about a second is not measurable.
    const skew = serverMs - midpoint;
    const shown = `${Math.abs(skew / 1000).toFixed(0)} s ${skew > 0 ? "behind" : "ahead of"} the server`;
    results.push(
      Math.abs(skew) > MAX_SKEW_MS
        ? failed(
            "clock",
            `this machine's clock is ${shown}: signed requests and messages are refused beyond ±5 minutes`,
            "synchronize the clocks (timedatectl set-ntp true, or chronyc makestep) here and on the server",
          )
        : pass(
            "clock",
            Math.abs(skew) < 1500 ? "within a second of the server's" : `${shown} (within ±5 minutes)`,
          ),
    );
  }
  return results;
}
