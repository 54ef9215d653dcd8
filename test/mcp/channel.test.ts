// `el-ipc mcp --channel`: the claude/channel capability, one notifications/claude/channel per message
// (meta keys of [A-Za-z0-9_] only), acknowledged after it was written, across a real server restart.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cliJson, freePort, startServerProcess, tempDb } from "../helpers/cli.js";
import { stdioClient } from "../helpers/mcp.js";

interface ChannelParams {
  content: string;
  meta: Record<string, string>;
}

describe("el-ipc mcp --channel", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("declares claude/channel and pushes every message at least once across a server restart", async () => {
    const port = String(await freePort());
    let server = await startServerProcess(t.env, [], port);
    const remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
    const pushed: ChannelParams[] = [];
    const waiters: (() => void)[] = [];
    const mcp = await stdioClient(["--agent", "carol", "--channel", "--channels", "@carol,alerts"], remote);
    mcp.client.fallbackNotificationHandler = async (n) => {
      if (n.method === "notifications/claude/channel") pushed.push(n.params as unknown as ChannelParams);
      for (const w of waiters.splice(0)) w();
    };
    const until = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${pushed.length} of ${n} pushed`)), 30_000);
        const check = () => {
          if (new Set(pushed.map((p) => p.meta.id)).size >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    try {
      assert.deepEqual(mcp.client.getServerCapabilities()?.experimental, { "claude/channel": {} });
      assert.match(mcp.client.getInstructions() ?? "", /<channel source="el-ipc">/);
      const sent: number[] = [];
      const send = async (env: NodeJS.ProcessEnv, channel: string, text: string) =>
        sent.push((await cliJson<{ id: number }>(["send", channel, "dave", text], env)).id);
      await send(remote, "@carol", "hello carol");
      await send(remote, "alerts", "disk full");
      await until(2);
      assert.deepEqual(pushed[0], {
        content: "hello carol",
        meta: { channel: "@carol", sender: "dave", id: String(sent[0]), signed: "false" },
      });
      for (const p of pushed) for (const k of Object.keys(p.meta)) assert.match(k, /^[A-Za-z0-9_]+$/);
      await server.stop();
      await send(t.env, "@carol", "while the server was away");
      server = await startServerProcess(t.env, [], port);
      await send(remote, "alerts", "back again");
      await until(4);
      assert.deepEqual(
        [...new Set(pushed.map((p) => Number(p.meta.id)))].sort((a, b) => a - b),
        sent,
      );
      // The tools work beside the channel.
      const r = await mcp.client.callTool({ name: "whoami", arguments: {} });
      assert.equal((r.structuredContent as { agent: string }).agent, "carol");
    } finally {
      await mcp.close();
    }
    try {
      // Pushed means acknowledged: nothing is left unread for carol.
      assert.deepEqual(await cliJson(["read", "@carol,alerts", "carol"], t.env), []);
    } finally {
      await server.stop();
    }
  });
});
