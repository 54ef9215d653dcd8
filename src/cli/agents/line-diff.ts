// A small line diff for init's report: the lines a change removes and adds, with a little context.

/** Lines longer files get no diff, only a count (the diff costs lines × lines). */
const MAX_LINES = 3000;

/** `-`/`+` lines between `before` and `after` (each a file's text), with `context` lines around changes. */
export function lineDiff(before: string, after: string, context = 1): string[] {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after.replace(/\n$/, "").split("\n");
  if (a.length > MAX_LINES || b.length > MAX_LINES) return [`  (${b.length} lines; too long to show a diff)`];
  // Longest common subsequence, from the end, then one walk from the start.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const ops: { op: " " | "-" | "+"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: " ", line: a[i++] as string });
      j++;
    } else if (
      i < a.length &&
      (j >= b.length || ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number))
    ) {
      ops.push({ op: "-", line: a[i++] as string });
    } else {
      ops.push({ op: "+", line: b[j++] as string });
    }
  }
  const near = ops.map((_, k) =>
    ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.op !== " "),
  );
  const out: string[] = [];
  let skipped = false;
  ops.forEach((o, k) => {
    if (near[k]) {
      out.push(`${o.op} ${o.line}`);
      skipped = false;
    } else if (!skipped) {
      out.push("  ...");
      skipped = true;
    }
  });
  return out;
}
