// The agent card (A2A v1.0, section 8) served at /.well-known/agent-card.json and printed by
// `el-ipc agent-card`, optionally signed (JWS EdDSA over its RFC 8785 form, section 8.4).
import type { KeyObject } from "node:crypto";
import { canonicalJson } from "../crypto/jcs.js";
import { signDetachedJws } from "../crypto/jws.js";
import { didKey, parsePublicKey } from "../crypto/keys.js";
import type { AgentCard } from "../protocol/directory.js";
import type { AgentRecord } from "../store/types.js";
import { VERSION } from "./version.js";

/** The A2A v1.0 agent card served at /.well-known/agent-card.json (its shape: src/protocol). */
export type { AgentCard } from "../protocol/directory.js";

/** The extension that carries the did:key of the first operator and the security mode. */
export const DID_EXTENSION_URI = "https://github.com/el-ipc/el-ipc/blob/main/docs/PROTOCOL.md#a2a-did-key";
/** The security scheme name A2A callers authenticate with in secure mode (an el-ipc bearer token). */
export const TOKEN_SCHEME = "elIpcToken";

/** What the operator configures about the card (IPC_AGENT_NAME, IPC_AGENT_DESC, IPC_AGENT_URL, IPC_CARD_KEY). */
export interface CardOptions {
  name?: string;
  description?: string;
  /** Public base URL without a trailing slash; default the address the server listens on. */
  url?: string;
  /** Signs the card (JWS EdDSA, `kid` the key's did:key); default unsigned. */
  signingKey?: KeyObject;
}

/** The did:key of a stored key, or undefined when the stored key is refused (weak). */
function didOf(pem: string): string | undefined {
  try {
    return didKey(parsePublicKey(pem));
  } catch {
    return undefined;
  }
}

/**
 * The card as A2A v1.0 section 8.4.1 signs it: proto default values (empty strings, lists and objects, and
 * nulls) removed recursively. `false` and 0 stay: the card sets them explicitly (optional fields).
 */
export function withoutDefaults(value: unknown): unknown {
  if (value === null || value === undefined || value === "") return undefined;
  if (Array.isArray(value)) {
    const kept = value.map(withoutDefaults).filter((v) => v !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value === "object") {
    const kept = Object.entries(value as object)
      .map(([k, v]) => [k, withoutDefaults(v)] as const)
      .filter(([, v]) => v !== undefined);
    return kept.length > 0 ? Object.fromEntries(kept) : undefined;
  }
  return value;
}

/** The did:key a card's extension names (the first operator's), if any. */
export function cardDid(card: AgentCard): string | undefined {
  return card.capabilities.extensions.find((e) => e.uri === DID_EXTENSION_URI)?.params.did;
}

/** The `kid` of a card signature: the did:key URL of the signing key (did:key#fragment, as DID documents name it). */
export function cardKeyId(key: KeyObject): string {
  const did = didKey(key);
  return `${did}#${did.slice("did:key:".length)}`;
}

/**
 * Builds the card; the did:key is derived from the first operator's key (the reference's rule).
 * `baseUrl` is where the server was reached, used when no public URL is configured.
 */
export function buildAgentCard(agents: AgentRecord[], o: CardOptions, baseUrl = ""): AgentCard {
  const firstOperator = agents.find((a) => a.role === "operator");
  const secure = firstOperator !== undefined;
  const did = firstOperator ? didOf(firstOperator.publicKey) : undefined;
  const url = o.url ?? baseUrl;
  const card: AgentCard = {
    name: o.name ?? "el-ipc",
    description: o.description ?? "Message queue for AI coding agents: channels, watermarks, Ed25519",
    version: VERSION,
    supportedInterfaces: [{ url: `${url}/a2a`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: [
        {
          uri: DID_EXTENSION_URI,
          description: "did:key of the server's first operator (Ed25519), and whether secure mode is on",
          params: { ...(did ? { did } : {}), secureMode: secure },
        },
      ],
    },
    ...(secure
      ? {
          securitySchemes: {
            [TOKEN_SCHEME]: {
              httpAuthSecurityScheme: {
                scheme: "Bearer",
                bearerFormat: "el-ipc token",
                description: "A token an operator issued for one el-ipc agent (el-ipc token)",
              },
            },
          },
          securityRequirements: [{ schemes: { [TOKEN_SCHEME]: {} } }],
        }
      : {}),
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [
      {
        id: "message",
        name: "Message an el-ipc agent",
        description:
          "Delivers the message to the @inbox of the el-ipc agent named in message.metadata.agent; the agent's reply is the task's result",
        tags: ["messaging", "inbox", "el-ipc"],
        examples: ['{"parts":[{"text":"run the tests"}],"metadata":{"agent":"builder"}}'],
      },
    ],
  };
  if (o.signingKey) {
    const payload = canonicalJson(withoutDefaults(card));
    card.signatures = [signDetachedJws(o.signingKey, cardKeyId(o.signingKey), payload)];
  }
  return card;
}
