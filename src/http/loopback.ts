// Loopback names and addresses: what a server bound to loopback accepts as Host (a rebound DNS name is
// refused), shared by /mcp, the dashboard and the start-up check of open mode.

/** Host names that always mean this machine. */
export const LOOPBACK_NAMES: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True when a bind address reaches this machine only (localhost, ::1, 127.x.x.x). */
export function isLoopbackBind(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** The hostname of a Host header value (without its port), lower-cased. */
export function hostnameOf(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(host.trim().toLowerCase());
  return m?.[1] ?? "";
}
