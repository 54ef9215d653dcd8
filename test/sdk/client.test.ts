// The SDK's contract against a real server (secure mode, API key) and a local database.
import { LOCAL } from "../../src/core/caller.js";
import { openDatabase } from "../../src/sdk/local.js";
import { makeTempDir } from "../helpers/fixtures.js";
import { listeningServer } from "../helpers/http.js";
import { clientContract } from "./contract.js";

clientContract("remote", async () => {
  const s = await listeningServer({ IPC_API_KEY: "sdk-test-key" });
  const { privateKey } = await s.queue.seed(LOCAL, "boss");
  const dir = makeTempDir("el-ipc-sdk-");
  return {
    where: { url: s.url, apiKey: "sdk-test-key" },
    operatorPem: privateKey,
    dir: dir.dir,
    async close() {
      await s.close();
      dir.cleanup();
    },
  };
});

clientContract("local", async () => {
  const dir = makeTempDir("el-ipc-sdk-");
  const db = dir.path("ipc.db");
  const q = await openDatabase({ path: db, env: {} });
  const { privateKey } = await q.seed(LOCAL, "boss");
  await q.close();
  return { where: { db }, operatorPem: privateKey, dir: dir.dir, close: async () => dir.cleanup() };
});
