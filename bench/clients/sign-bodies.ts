// Bench client: writes `count` distinct v2-signed POST /send bodies, one JSON object per line, signed with
// el-ipc's own client signing (src/client/sign.ts). Usage: sign-bodies <key> <out> <count> <channel> <sender> <tag>
import { createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { signMessageV2 } from "../../src/client/sign.js";

const [keyFile, outFile, countArg, channel, sender, tag] = process.argv.slice(2);
if (!keyFile || !outFile || !countArg || !channel || !sender || !tag) {
  process.stderr.write("usage: sign-bodies <key> <out> <count> <channel> <sender> <tag>\n");
  process.exit(2);
}
const key = createPrivateKey({ key: readFileSync(keyFile, "utf8"), format: "pem" });
const count = Number(countArg);
const lines: string[] = new Array(count);
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const content = `secure message ${tag}-${i}`;
  lines[i] = JSON.stringify({
    channel,
    sender,
    content,
    ...signMessageV2(key, { channel, sender, content }),
  });
}
writeFileSync(outFile, `${lines.join("\n")}\n`);
process.stdout.write(`${JSON.stringify({ count, ms: performance.now() - t0 })}\n`);
