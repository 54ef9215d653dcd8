// The agent card (A2A style) served at /.well-known/agent-card.json and printed by `el-ipc agent-card`.
import { didKey, parsePublicKey } from "../crypto/keys.js";
import type { AgentCard } from "../protocol/directory.js";
import type { AgentRecord } from "../store/types.js";
import { VERSION } from "./version.js";

/** The A2A-style agent card served at /.well-known/agent-card.json (its shape: src/protocol). */
export type { AgentCard } from "../protocol/directory.js";

/** What the operator configures about the card (IPC_AGENT_NAME, IPC_AGENT_DESC, IPC_AGENT_URL). */
export interface CardOptions {
  name?: string;
  description?: string;
  /** Base URL without a trailing slash. */
  url?: string;
}

/** The did:key of a stored key, or null when the stored key is refused (weak). */
function didOf(pem: string): string | null {
  try {
    return didKey(parsePublicKey(pem));
  } catch {
    return null;
  }
}

/** Builds the card; its did:key is derived from the first operator's key (the reference's rule). */
export function buildAgentCard(agents: AgentRecord[], o: CardOptions): AgentCard {
  const firstOperator = agents.find((a) => a.role === "operator");
  const url = o.url ?? "";
  return {
    name: o.name ?? "el-ipc",
    description: o.description ?? "Message queue for AI coding agents: channels, watermarks, Ed25519",
    url,
    version: VERSION,
    did: firstOperator ? didOf(firstOperator.publicKey) : null,
    secure_mode: firstOperator !== undefined,
    capabilities: { streaming: true, longPolling: true, signatures: ["ed25519-ref", "ed25519-v2"] },
    endpoints: {
      send: `${url}/send`,
      messages: `${url}/messages`,
      stream: `${url}/stream`,
      ack: `${url}/ack`,
      channels: `${url}/channels`,
      agents: `${url}/agents`,
      register: `${url}/register`,
      health: `${url}/health`,
    },
  };
}
