// el-ipc's SDK: `import { connect } from "el-ipc"`. One typed client for a server and a local database;
// every shape is the protocol's (src/protocol). Loads no HTTP framework, SQLite or zod until a database
// is opened.
export { IpcError } from "../core/errors.js";
export { connect, DEFAULT_RETRY_BUDGET_MS } from "./connect.js";
export type {
  AccessRule,
  Agent,
  CallOptions,
  Channel,
  Client,
  ConnectOptions,
  ErrorCode,
  Health,
  KeyEvent,
  KeyInput,
  Message,
  OutgoingMessage,
  Permissions,
  ReadOptions,
  SendResult,
  SubscribeOptions,
} from "./types.js";
