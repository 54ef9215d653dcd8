// `el-ipc webhook add <pattern> <url> --as <operator> --key <file> [--secret-file f] [--allow-private]`,
// `webhook list`, `webhook remove <id>`, `webhook enable <id>`, `webhook deliveries <id>`: outbound webhooks.
import { readFileSync } from "node:fs";
import { signWebhookAdd, signWebhookChange } from "../../client/sign.js";
import { IpcError } from "../../core/errors.js";
import type { DeliveryInfo, WebhookInfo } from "../../core/webhooks.js";
import { newWebhookSecret } from "../../crypto/webhook-signature.js";
import type { CommandSpec } from "../command.js";
import { callerProof, type GlobalOptions, keyOf, wholeNumber, withBackend } from "../context.js";
import { isoSeconds, printJson, writeOut } from "../output.js";

/** Options of `webhook`. */
export interface WebhookOptions {
  as?: string;
  key?: string;
  secretFile?: string;
  allowPrivate?: boolean;
  limit?: number;
  json?: boolean;
}

const ACTIONS = ["add", "list", "remove", "enable", "deliveries"] as const;

/** `webhook`'s command line. */
export const command: CommandSpec = {
  name: "webhook",
  description: "push messages to URLs: webhook add|list|remove|enable|deliveries (operators)",
  arguments: [
    { name: "<action>", description: `one of ${ACTIONS.join(", ")}` },
    {
      name: "[target]",
      description: "add: the channel pattern (a name, or a prefix and *); remove, enable, deliveries: the id",
    },
    { name: "[url]", description: "add: the http(s) URL messages are POSTed to" },
  ],
  options: [
    { flags: "--as <operator>", description: "the operator signing the change (or proving a listing)" },
    { flags: "--key <file>", description: "the operator's private key" },
    {
      flags: "--secret-file <file>",
      description: "add: the signing secret (whsec_...; default: a new one, printed once)",
    },
    { flags: "--allow-private", description: "add: allow loopback, private and link-local addresses" },
    {
      flags: "--limit <n>",
      description: "deliveries: how many of the newest attempts (default 20)",
      parse: wholeNumber("--limit", 1000),
    },
    { flags: "--json", description: "print JSON" },
  ],
  run,
};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new IpcError("invalid_argument", `webhook: ${what}`);
  return value;
}

function idOf(text: string | undefined, action: string): number {
  return wholeNumber("the webhook id")(need(text, `${action} needs the webhook id (el-ipc webhook list)`));
}

function signer(opts: WebhookOptions, action: string) {
  const operator = need(opts.as, `${action} needs --as <operator> and --key <file>`);
  const key = need(keyOf(opts.key), `${action} needs --key <file> (the operator's private key)`);
  return { operator, key };
}

function readSecret(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new IpcError(
      "invalid_argument",
      `cannot read --secret-file ${path} (${(e as { code?: string }).code ?? "error"})`,
    );
  }
}

/** One line per webhook. */
export function formatWebhooks(hooks: WebhookInfo[]): string {
  return hooks
    .map((w) => {
      const state =
        w.disabled_at !== undefined
          ? `disabled at ${isoSeconds(w.disabled_at)}: ${w.disabled_reason}`
          : "active";
      return `  ${w.id}  ${w.pattern} -> ${w.url}  after #${w.position}  ${state}${w.allow_private ? "  (private allowed)" : ""}\n`;
    })
    .join("");
}

/** One line per delivery attempt. */
export function formatDeliveries(ds: DeliveryInfo[]): string {
  return ds
    .map(
      (d) =>
        `  ${isoSeconds(d.at)}  message #${d.message_id}  attempt ${d.attempt}  ${d.outcome}${d.status !== null ? ` ${d.status}` : ""}${d.error ? `  (${d.error})` : ""}\n`,
    )
    .join("");
}

/** Runs `webhook <action>`. */
export async function run(
  action: string,
  target: string | undefined,
  url: string | undefined,
  opts: WebhookOptions,
  globals: GlobalOptions,
) {
  switch (action) {
    case "add": {
      const pattern = need(target, "add needs <pattern> <url>");
      const to = need(url, "add needs <pattern> <url>");
      const { operator, key } = signer(opts, "add");
      const generated = opts.secretFile === undefined;
      const secret = generated ? newWebhookSecret() : readSecret(opts.secretFile as string);
      const body = signWebhookAdd(key, {
        operator,
        pattern,
        url: to,
        secret,
        allowPrivate: !!opts.allowPrivate,
      });
      const r = await withBackend(globals, (b) => b.addWebhook(body));
      // A generated secret is shown this once: the receiver needs it to check signatures.
      return writeOut(`${JSON.stringify({ ok: true, ...r, ...(generated ? { secret } : {}) })}\n`);
    }
    case "remove":
    case "enable": {
      const id = idOf(target, action);
      const { operator, key } = signer(opts, action);
      const message = await withBackend(globals, (b) =>
        b.changeWebhook(action, signWebhookChange(key, action, { operator, id })),
      );
      return writeOut(`${JSON.stringify({ ok: true, message })}\n`);
    }
    case "list": {
      const hooks = await withBackend(globals, (b) => b.webhooks(callerProof(opts)));
      if (opts.json) return printJson(hooks);
      return writeOut(hooks.length === 0 ? "No webhooks\n" : formatWebhooks(hooks));
    }
    case "deliveries": {
      const id = idOf(target, action);
      const ds = await withBackend(globals, (b) =>
        b.webhookDeliveries(callerProof(opts), id, opts.limit ?? 20),
      );
      if (opts.json) return printJson(ds);
      return writeOut(ds.length === 0 ? `No deliveries of webhook ${id} yet\n` : formatDeliveries(ds));
    }
    default:
      throw new IpcError(
        "invalid_argument",
        `webhook: unknown action '${action}' (one of ${ACTIONS.join(", ")})`,
      );
  }
}
