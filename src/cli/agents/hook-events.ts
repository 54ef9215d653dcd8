// The hook events el-ipc answers for each agent harness, and the JSON each one expects back on stdout.
// Shapes: Claude Code and Codex hooks (hookSpecificOutput.additionalContext), Gemini CLI hooks
// (docs/hooks/reference.md: the same field), Cursor hooks (sessionStart: additional_context;
// beforeSubmitPrompt: only continue/user_message, so the reminder reaches the user, not the model).
import { IpcError } from "../../core/errors.js";

/** The agent harnesses whose hooks el-ipc speaks. */
export const HOOK_KINDS = ["claude", "codex", "cursor", "gemini"] as const;

/** One of HOOK_KINDS. */
export type HookKind = (typeof HOOK_KINDS)[number];

/** An event of one harness, by the name that harness gives it. */
export interface HookEvent {
  kind: HookKind;
  /** The harness's own name of the event (`UserPromptSubmit`, `beforeSubmitPrompt`, ...). */
  name: string;
  /** Where the reminder goes: into the model's context, or (Cursor's prompt hook) shown to the user. */
  reaches: "model" | "user";
}

/** Events per kind, keyed by the event name in lower case without `-` and `_`. */
const EVENTS: Record<HookKind, Record<string, string>> = {
  claude: { sessionstart: "SessionStart", userpromptsubmit: "UserPromptSubmit" },
  codex: { sessionstart: "SessionStart", userpromptsubmit: "UserPromptSubmit" },
  gemini: { sessionstart: "SessionStart", beforeagent: "BeforeAgent" },
  cursor: { sessionstart: "sessionStart", beforesubmitprompt: "beforeSubmitPrompt" },
};

/**
 * The event `event` (kebab-case like `user-prompt-submit`, or the harness's own spelling) of `kind`;
 * invalid_argument naming what is accepted otherwise.
 */
export function hookEvent(kind: string, event: string): HookEvent {
  if (!(HOOK_KINDS as readonly string[]).includes(kind)) {
    throw new IpcError(
      "invalid_argument",
      `unknown agent kind '${kind}': one of ${HOOK_KINDS.join(", ")} (OpenCode has no hooks of this kind)`,
    );
  }
  const events = EVENTS[kind as HookKind];
  const name = events[event.toLowerCase().replace(/[-_]/g, "")];
  if (!name) {
    const accepted = Object.values(events).map(kebab);
    throw new IpcError(
      "invalid_argument",
      `${kind} has no hook event '${event}' that el-ipc answers: ${accepted.join(" or ")}`,
    );
  }
  return { kind: kind as HookKind, name, reaches: name === "beforeSubmitPrompt" ? "user" : "model" };
}

/** `UserPromptSubmit` -> `user-prompt-submit`. */
export function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The events el-ipc answers for `kind`, in kebab-case (for init and the docs). */
export function hookEventsOf(kind: HookKind): string[] {
  return Object.values(EVENTS[kind]).map(kebab);
}

/**
 * What the hook prints on stdout for `text` (undefined: nothing unread), or undefined to print nothing.
 * Cursor's prompt hook must always answer whether the prompt goes on.
 */
export function hookOutput(event: HookEvent, text: string | undefined): string | undefined {
  if (event.kind === "cursor") {
    if (event.name === "beforeSubmitPrompt") {
      return JSON.stringify(text === undefined ? { continue: true } : { continue: true, user_message: text });
    }
    return text === undefined ? undefined : JSON.stringify({ additional_context: text });
  }
  if (text === undefined) return undefined;
  return JSON.stringify({ hookSpecificOutput: { hookEventName: event.name, additionalContext: text } });
}

/** The session a hook input belongs to (`session_id`; Cursor: `conversation_id`), if it names one. */
export function sessionOf(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const o = input as Record<string, unknown>;
  const id = o.session_id ?? o.conversation_id;
  return typeof id === "string" && id.length > 0 && id.length <= 256 ? id : undefined;
}
