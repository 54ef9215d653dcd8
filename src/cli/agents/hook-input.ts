// Reads the JSON a harness hands a hook on standard input: bounded in size and time, so a hook never
// hangs on an open terminal or pipe and never holds a huge prompt in memory.

/** Bytes of hook input read at most; a larger input (a pasted file in the prompt) is not parsed. */
export const MAX_HOOK_INPUT_BYTES = 1 << 20;
/** How long the hook waits for its input to end, in ms. */
const INPUT_WAIT_MS = 2_000;

/** The parsed input, or undefined when there is none (a terminal), it is too large, or it does not end. */
export async function readHookInput(stdin: NodeJS.ReadStream = process.stdin): Promise<unknown> {
  if (stdin.isTTY) return undefined;
  const text = await new Promise<string | undefined>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      stdin.removeAllListeners("data");
      stdin.pause();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), INPUT_WAIT_MS);
    // Beyond the limit the rest is read and dropped: the harness writing it never sees a broken pipe.
    stdin.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HOOK_INPUT_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    stdin.once("end", () =>
      done(size <= MAX_HOOK_INPUT_BYTES ? Buffer.concat(chunks).toString("utf8") : undefined),
    );
    stdin.once("error", () => done(undefined));
  });
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // Not ours to judge: without a session id the reminder is kept per agent.
  }
}
