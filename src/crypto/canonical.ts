// The canonical bytes that el-ipc signs. This is the only place they are built; docs/PROTOCOL.md
// describes each form byte for byte.

/** Reference (v1) message form: utf8(channel "\n" sender "\n" content). Kept for existing agents. */
export function legacyMessageBytes(channel: string, sender: string, content: string): Buffer {
  return Buffer.from(`${channel}\n${sender}\n${content}`, "utf8");
}

/** Fields of a v2 signed message envelope. */
export interface MessageEnvelope {
  channel: string;
  sender: string;
  content: string;
  /** Unix time in milliseconds when the sender signed. */
  timestamp: number;
  /** Random, unique per sender (base64url, 16 to 64 characters). */
  nonce: string;
}

/**
 * v2 message form. Every field but content is a single line (names hold no whitespace), and content
 * comes last, so the byte form is unambiguous even when content holds newlines.
 */
export function messageEnvelopeBytes(e: MessageEnvelope): Buffer {
  return Buffer.from(
    `el-ipc/msg/v2\n${e.channel}\n${e.sender}\n${e.timestamp}\n${e.nonce}\n${e.content}`,
    "utf8",
  );
}

/** Fields of a signed HTTP request (proof that the caller holds an agent's key). */
export interface RequestProofFields {
  /** Upper-case HTTP method. */
  method: string;
  /** Path with query string exactly as sent, e.g. `/messages?channel=general&agent=herald`. */
  target: string;
  /** Lower-case hex SHA-256 of the request body (of the empty string when there is none). */
  bodySha256: string;
  agent: string;
  /** Unix time in milliseconds. */
  timestamp: number;
  nonce: string;
}

/** Request form: one field per line, no field may hold a newline. */
export function requestBytes(r: RequestProofFields): Buffer {
  return Buffer.from(
    `el-ipc/req/v1\n${r.method}\n${r.target}\n${r.bodySha256}\n${r.agent}\n${r.timestamp}\n${r.nonce}`,
    "utf8",
  );
}

/** Fields of an operator-signed agent registration. */
export interface RegistrationFields {
  operator: string;
  name: string;
  identity: string;
  /** The agent's public key, PEM (SPKI), surrounding whitespace trimmed. */
  publicKey: string;
  timestamp: number;
  nonce: string;
}

/** Registration form: the PEM key comes last because it spans several lines. */
export function registrationBytes(r: RegistrationFields): Buffer {
  return Buffer.from(
    `el-ipc/register/v1\n${r.operator}\n${r.name}\n${r.identity}\n${r.timestamp}\n${r.nonce}\n${r.publicKey.trim()}`,
    "utf8",
  );
}

/** Fields of an operator-signed revocation. */
export interface RevocationFields {
  operator: string;
  /** The agent (or operator) to revoke. */
  name: string;
  timestamp: number;
  nonce: string;
}

/** Revocation form: one field per line. */
export function revocationBytes(r: RevocationFields): Buffer {
  return Buffer.from(`el-ipc/revoke/v1\n${r.operator}\n${r.name}\n${r.timestamp}\n${r.nonce}`, "utf8");
}

/** Fields of an operator-signed key rotation. */
export interface RotationFields {
  operator: string;
  /** The agent (or operator) whose key is replaced. */
  name: string;
  /** The new public key, PEM (SPKI), surrounding whitespace trimmed. */
  publicKey: string;
  timestamp: number;
  nonce: string;
}

/** Rotation form: the PEM key comes last because it spans several lines. */
export function rotationBytes(r: RotationFields): Buffer {
  return Buffer.from(
    `el-ipc/rotate/v1\n${r.operator}\n${r.name}\n${r.timestamp}\n${r.nonce}\n${r.publicKey.trim()}`,
    "utf8",
  );
}

/** Fields of an operator-signed channel access rule (grant or deny) or its removal (unset). */
export interface AccessRuleFields {
  /** `grant` allows, `deny` refuses, `unset` removes the rule set on exactly this pattern. */
  effect: "grant" | "deny" | "unset";
  operator: string;
  agent: string;
  /** A channel name, or a prefix followed by `*`. */
  pattern: string;
  /** `read`, `write` or `read,write`. */
  permissions: string;
  timestamp: number;
  nonce: string;
}

/** Access rule form: `el-ipc/grant/v1`, `el-ipc/deny/v1` or `el-ipc/unset/v1`, then one field per line. */
export function accessRuleBytes(r: AccessRuleFields): Buffer {
  return Buffer.from(
    `el-ipc/${r.effect}/v1\n${r.operator}\n${r.agent}\n${r.pattern}\n${r.permissions}\n${r.timestamp}\n${r.nonce}`,
    "utf8",
  );
}

/** Fields of an operator-signed webhook change. */
export type WebhookChangeFields =
  | {
      action: "webhook-add";
      operator: string;
      /** A channel name, or a prefix followed by `*`. */
      pattern: string;
      url: string;
      allowPrivate: boolean;
      /** Lower-case hex SHA-256 of the signing secret (the secret itself is not part of the signed form). */
      secretSha256: string;
      timestamp: number;
      nonce: string;
    }
  | {
      action: "webhook-remove" | "webhook-enable";
      operator: string;
      /** The webhook's id. */
      id: number;
      timestamp: number;
      nonce: string;
    };

/** Webhook change form: `el-ipc/webhook-add/v1` (or -remove, -enable), then one field per line. */
export function webhookChangeBytes(w: WebhookChangeFields): Buffer {
  const fields =
    w.action === "webhook-add"
      ? [w.operator, w.pattern, w.url, w.allowPrivate ? "1" : "0", w.secretSha256]
      : [w.operator, String(w.id)];
  return Buffer.from(`el-ipc/${w.action}/v1\n${fields.join("\n")}\n${w.timestamp}\n${w.nonce}`, "utf8");
}
