// What the core tells whoever watches it (the server's metrics): deliveries and wake-ups, no names kept.
/** What a queue tells an observer; called on the read path, so each call must be cheap. */
export interface QueueObserver {
  /** Messages handed to a reader (a read's answer, or one stream event). */
  delivered(messages: readonly { channel: string }[]): void;
  /** A parked reader woken by a message holds it, `seconds` after the commit's wake-up. */
  woken(seconds: number): void;
}
