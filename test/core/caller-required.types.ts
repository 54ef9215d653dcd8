// Checked by `npm run typecheck`, never run: every Queue call that depends on who asks refuses to
// compile without a Caller, and a bare principal (the old `undefined` = local, `null` = anonymous) is no
// Caller. An @ts-expect-error that stops failing fails the type check.
import type { Caller, Queue } from "../../src/core/queue.js";

export function forgottenCallers(queue: Queue, caller: Caller): void {
  const read = { channels: ["general"], agent: "bob" };
  // @ts-expect-error read needs a Caller
  void queue.read(read);
  // @ts-expect-error stream needs a Caller
  void queue.stream({ ...read, signal: new AbortController().signal });
  // @ts-expect-error ack needs a Caller
  void queue.ack({ channel: "general", agent: "bob", id: 1 });
  // @ts-expect-error ackDelivered needs a Caller
  void queue.ackDelivered("bob", []);
  // @ts-expect-error channels needs a Caller
  void queue.channels();
  // @ts-expect-error agents needs a Caller
  void queue.agents();
  // @ts-expect-error channelPage needs a Caller
  void queue.channelPage();
  // @ts-expect-error agentPage needs a Caller
  void queue.agentPage();
  // @ts-expect-error health needs a Caller
  void queue.health();
  // @ts-expect-error accessRules needs a Caller
  void queue.accessRules();
  // @ts-expect-error keyEvents needs a Caller
  void queue.keyEvents("bob");
  // @ts-expect-error undefined is no Caller
  void queue.channels(undefined);
  // @ts-expect-error null is no Caller
  void queue.agents(null);
  // @ts-expect-error a principal is no Caller
  void queue.accessRules({ agent: "op", role: "operator" });
  // @ts-expect-error only the local process may seed
  void queue.seed(caller, "op");
  // @ts-expect-error only the local process learns whose key is registered
  void queue.keyMismatch(caller, "bob", undefined as never);
  // With a Caller each compiles.
  void queue.read(caller, read);
  void queue.channels(caller);
  void queue.health(caller, { channel: "general", agent: "bob" });
}
