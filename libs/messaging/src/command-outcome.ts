import type { CommandReply } from '#contracts';

/** What became of one command; `settleCommand` maps it to the consumer's ack, nak or term. */
export type CommandOutcome =
  /** Applied, replayed (already applied) or refused: final, and the sender gets the reply. */
  | { kind: 'answered'; reply: CommandReply; appended?: number }
  /** Not decidable now (conflict storm, another command's batch unfinished): redeliver later. */
  | { kind: 'retry'; delayMs: number; reason: string }
  /** Its deadline passed before it had any effect: the sender has already given up. */
  | { kind: 'expired' }
  /** Not a command we understand; never redelivered. */
  | { kind: 'malformed'; reason: string; reply?: CommandReply };
