// Registers a protocol operation as a fastify route: method and path from the table (src/protocol), the
// query and body validated by its schemas, so a route cannot drift from the protocol it answers for.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  OPERATIONS,
  type Operation,
  type OperationName,
  type OutputOf,
  type ParsedBodyOf,
  type ParsedQueryOf,
} from "../protocol/index.js";
import { checkQueryEncoding, validate } from "./input.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The protocol operation a route answers for (OPERATIONS); absent on routes outside the protocol. */
    operation?: OperationName;
  }
}

/** A request of operation `N`, parsed. */
export interface OperationInput<N extends OperationName> {
  query: ParsedQueryOf<N>;
  body: ParsedBodyOf<N>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** How one route departs from the defaults. */
export interface OperationRouteOptions<N extends OperationName> {
  /** Parses the body instead of the table's schema (the /send fast path); must accept exactly what it does. */
  parseBody?: (body: unknown) => ParsedBodyOf<N>;
  /** Answer HEAD too. Default true (fastify's); false for streams, where a HEAD would hold one open. */
  exposeHeadRoute?: boolean;
}

/**
 * Adds the route of operation `name`. `handler` returns the answer's body, or undefined once it has
 * answered through `reply` itself (streams, pages written out under a budget).
 */
export function addOperation<N extends OperationName>(
  app: FastifyInstance,
  name: N,
  handler: (input: OperationInput<N>) => Promise<OutputOf<N> | undefined>,
  options: OperationRouteOptions<N> = {},
): void {
  const op: Operation = OPERATIONS[name];
  const signedByOperator = op.proof === "operator" && op.proofIn === "body";
  app.route({
    method: op.method,
    url: op.path,
    config: { operation: name },
    ...(options.exposeHeadRoute !== undefined ? { exposeHeadRoute: options.exposeHeadRoute } : {}),
    // Not async: a validation error thrown here reaches the error handler all the same, one promise fewer.
    handler: (request, reply) => {
      checkQueryEncoding(request.query);
      const query = (op.query ? validate(op.query, request.query, "query") : undefined) as ParsedQueryOf<N>;
      const body = (
        options.parseBody
          ? options.parseBody(request.body)
          : op.body
            ? validate(op.body, request.body, "body")
            : undefined
      ) as ParsedBodyOf<N>;
      const answer = handler({ query, body, request, reply });
      if (!signedByOperator) return answer;
      // Answered: the operator's signature in the body verified (for the request log).
      return answer.then((out) => {
        request.provenAgent = (body as { operator?: string }).operator;
        return out;
      });
    },
  });
}
