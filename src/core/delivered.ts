// A stored message as readers (and webhook receivers) get it: the reference's field names plus el-ipc's.
import type { MessageRecord } from "../store/types.js";
import type { Delivered } from "./types.js";

/** The delivered form of a stored message; signature fields only when it was signed. */
export function toDelivered(m: MessageRecord): Delivered {
  const d: Delivered = {
    id: m.id,
    channel: m.channel,
    sender: m.sender,
    content: m.content,
    timestamp: m.timestamp,
  };
  if (m.signature) {
    d.signed = true;
    d.signature = m.signature;
    d.sig_version = m.sigVersion === 2 ? 2 : 1;
    if (m.sigVersion === 2) {
      d.signed_at = m.sigTimestamp ?? 0;
      d.nonce = m.sigNonce ?? "";
    }
  }
  return d;
}
