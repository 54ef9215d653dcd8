// Text the CLI reads from standard input or a file: UTF-8 strictly, as the HTTP face reads bodies, so a
// message is never stored with U+FFFD where the bytes were not text.
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { IpcError } from "../core/errors.js";

/** Decodes `bytes` read from `source` ("standard input", a file name); invalid UTF-8 is refused. */
export function utf8Text(bytes: Buffer, source: string): string {
  if (!isUtf8(bytes)) {
    throw new IpcError("invalid_argument", `${source} is not valid UTF-8; el-ipc messages are text`);
  }
  return bytes.toString("utf8");
}

/** All of standard input as UTF-8 text. */
export async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return utf8Text(Buffer.concat(chunks), "standard input");
}

/** A file as UTF-8 text; a file that cannot be read is named with the reason. */
export function readFileText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new IpcError(
      "invalid_argument",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  return utf8Text(bytes, file);
}
