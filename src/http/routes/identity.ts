// Identity routes: POST /register (an operator-signed registration) and GET /agents (the directory).
import type { FastifyInstance } from "fastify";
import { IpcError } from "../../core/errors.js";
import type { Queue } from "../../core/queue.js";
import { registrationFromWire } from "../../core/wire.js";
import { registerBody } from "../../protocol/admin.js";
import { callerOf } from "../auth.js";
import { validate } from "../input.js";
import { addOperation } from "../operation-route.js";
import { answerPage } from "./info.js";

/** Why a reference-style registration (with the operator's private key in the body) is refused. */
export const PRIVATE_KEY_REFUSAL =
  "operator_key is refused: private keys are never sent to the server. The operator signs the registration " +
  "instead (see docs/PROTOCOL.md); `el-ipc register <name> --pubkey <file> --as <operator> --key <operator.key> " +
  "--server <url>` does it for you";

/** Registers the identity routes. */
export function registerIdentityRoutes(app: FastifyInstance, queue: Queue): void {
  addOperation(
    app,
    "register",
    async ({ body }) => ({ ok: true, message: await queue.register(registrationFromWire(body)) }),
    {
      // Checked before the schema: a reference client's body with the operator's private key in it.
      parseBody: (body) => {
        if (typeof body === "object" && body !== null && "operator_key" in body) {
          throw new IpcError("invalid_argument", PRIVATE_KEY_REFUSAL);
        }
        return validate(registerBody, body, "body");
      },
    },
  );

  // Secure mode: only registered identities see the directory (request proof).
  addOperation(app, "agents", async ({ query, request, reply }) => {
    const caller = await callerOf(request, queue);
    return answerPage(query, request, reply, (page) => queue.agentPage(caller, page));
  });
}
