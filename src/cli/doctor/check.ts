// What one check of `el-ipc doctor` found, and how a list of them is printed.

/** pass: fine; warn: works, but worth a look (open mode, an optional tool missing); fail: broken. */
export type CheckStatus = "pass" | "warn" | "fail";

/** One line of the doctor's report. */
export interface CheckResult {
  /** Short name of what was checked ("database", "key file", "clock"). */
  check: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** The command or setting that fixes it (warn and fail only). */
  fix?: string;
}

const MARKS: Record<CheckStatus, string> = { pass: "✓", warn: "!", fail: "✗" };

/** A passing check. */
export function pass(check: string, detail: string): CheckResult {
  return { check, status: "pass", detail };
}

/** A warning, with its fix. */
export function warn(check: string, detail: string, fix: string): CheckResult {
  return { check, status: "warn", detail, fix };
}

/** A failure, with its fix. */
export function failed(check: string, detail: string, fix: string): CheckResult {
  return { check, status: "fail", detail, fix };
}

/** The report as text: `<mark> <check>: <detail>` and, indented under a warning or failure, its fix. */
export function formatReport(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARKS[r.status]} ${r.check}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ""}`);
  }
  const failures = results.filter((r) => r.status === "fail").length;
  const warnings = results.filter((r) => r.status === "warn").length;
  lines.push(
    failures === 0
      ? `all checks passed${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""}`
      : `${failures} check${failures === 1 ? "" : "s"} failed`,
  );
  return `${lines.join("\n")}\n`;
}
