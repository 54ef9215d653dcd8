// The AbortSignal of the SDK call being made, carried to the fetch it makes without threading it through
// every backend method (an AsyncLocalStorage: each call sees its own).
import { AsyncLocalStorage } from "node:async_hooks";

/** The signal of the client call in progress, if it has one. */
export const callSignal = new AsyncLocalStorage<AbortSignal>();
