// The result of one benchmark figure and the one table that prints them all.

/** One row of the results table. */
export interface Figure {
  /** Figure number: issue 4's table (1..8), then 9 (issue 14). */
  id: number;
  figure: string;
  target: string;
  /** Human-readable measurement. */
  measured: string;
  /** true = pass, false = miss, null = not measured (tool missing, error). */
  pass: boolean | null;
  /** Method details, misses and their profiled reasons. */
  notes: string[];
  /** Raw numbers for the JSON file. */
  values: Record<string, unknown>;
}

/** A figure that could not be measured. */
export function notMeasured(id: number, figure: string, target: string, why: string): Figure {
  return { id, figure, target, measured: `not measured: ${why}`, pass: null, notes: [], values: {} };
}

function verdict(pass: boolean | null): string {
  return pass === null ? "n/a" : pass ? "pass" : "MISS";
}

/** Formats figures as one plain-text table with numbered notes under it. */
export function formatTable(figures: Figure[]): string {
  const head = ["#", "figure", "target", "measured", "pass/miss"];
  const rows = figures.map((f) => [String(f.id), f.figure, f.target, f.measured, verdict(f.pass)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  const sep = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  const out = [line(head), sep, ...rows.map(line)];
  const notes = figures.flatMap((f) => f.notes.map((n) => `  [${f.id}] ${n}`));
  if (notes.length > 0) out.push("", "Notes:", ...notes);
  return out.join("\n");
}

/** Formats figures as a Markdown table (for docs/PERFORMANCE.md). */
export function formatMarkdown(figures: Figure[]): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const out = ["| # | figure | target | measured | pass/miss |", "| --- | --- | --- | --- | --- |"];
  for (const f of figures) {
    out.push(`| ${f.id} | ${esc(f.figure)} | ${esc(f.target)} | ${esc(f.measured)} | ${verdict(f.pass)} |`);
  }
  return out.join("\n");
}
