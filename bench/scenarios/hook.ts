// Figure 12: wall time of `el-ipc hook claude user-prompt-submit`, which runs before every prompt, in its
// usual case (unread messages already announced: it prints nothing), against `el-ipc read --peek` and
// `node -e ''` (hyperfine, no shell).
import { join } from "node:path";
import { type BenchContext, progress } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { cleanEnv, run } from "../lib/procs.js";
import { ms } from "../lib/stats.js";
import { type Cmd, hyperfine, type Timing } from "./startup.js";

/** Figure 12. */
export async function hookTime(ctx: BenchContext): Promise<Figure> {
  const node = process.execPath;
  const db = join(ctx.work, "hook.db");
  const data = join(ctx.work, "hook-data");
  const env = cleanEnv({ IPC_DB_PATH: db, XDG_DATA_HOME: data });
  for (let i = 0; i < 20; i++) await run(node, [ctx.cli, "send", "build", "planner", `m${i}`], { env });
  await run(node, [ctx.cli, "send", "@you", "boss", "hello"], { env });
  const hookArgv = [
    node,
    ctx.cli,
    "hook",
    "claude",
    "user-prompt-submit",
    "--agent",
    "you",
    "--channels",
    "build",
  ];
  // The first run announces the 21 messages; every timed run after it finds nothing new.
  const first = await run(hookArgv[0] as string, hookArgv.slice(1), { env });
  if (!first.stdout.includes("20 unread on #build"))
    throw new Error(`hook did not announce: ${first.stdout}${first.stderr}`);
  const envArgv = ["env", `IPC_DB_PATH=${db}`, `XDG_DATA_HOME=${data}`];
  const cmds: Cmd[] = [
    { name: "el-ipc hook (nothing new)", argv: [...envArgv, ...hookArgv] },
    { name: "el-ipc read --peek", argv: [...envArgv, node, ctx.cli, "read", "build,@you", "you", "--peek"] },
    { name: "node -e ''", argv: [node, "-e", ""] },
  ];
  progress("figure 12: hyperfine --warmup 3 --runs 30 over el-ipc hook, el-ipc read --peek and node -e ''");
  const t = await hyperfine(ctx, "hook", cmds, 30, 3);
  const hook = t.get("el-ipc hook (nothing new)") as Timing;
  const read = t.get("el-ipc read --peek") as Timing;
  const bare = t.get("node -e ''") as Timing;
  const ratio = hook.median / read.median;
  const fmt = (h: Timing) =>
    `median ${ms(h.median)}, min ${ms(h.min)} (CPU: user ${ms(h.user)} + sys ${ms(h.system)})`;
  return {
    id: 12,
    figure: "`el-ipc hook` before a prompt (whole process, median)",
    target: "≤ 1.2× `el-ipc read --peek`",
    measured: `${ms(hook.median)} vs read --peek ${ms(read.median)} (${ratio.toFixed(2)}×); node -e '' ${ms(bare.median)}`,
    pass: ratio <= 1.2,
    notes: [
      `hyperfine -N, 30 runs in 3 rotated rounds: hook ${fmt(hook)}; read --peek ${fmt(read)}; node -e '' ${fmt(bare)}`,
    ],
    values: { hook, read, nodeE: bare, ratio },
  };
}
