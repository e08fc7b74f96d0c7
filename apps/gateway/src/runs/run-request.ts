import type { RunInput, RunLabels, RunOptions, Visibility } from '#contracts';

/** Which tools a run uses: exactly `set`, or the agent's defaults with some added and removed. */
export interface ToolSelection {
  set: string[] | null;
  add: string[];
  remove: string[];
}

/** A new run as any dialect asks for it, before its agent is resolved. */
export interface RunRequest {
  threadId?: number | null;
  /** Default: the gateway's DEFAULT_AGENT. */
  agent?: string;
  /** Null: the latest numbered version. */
  version?: string | null;
  /**
   * An agent nobody registered, asked without a version, is still accepted (bound to no version:
   * any worker of the agent that starts later takes it). Otherwise it is AGENT_NOT_FOUND.
   */
  lenientAgent?: boolean;
  input?: Partial<RunInput>;
  options?: Partial<Omit<RunOptions, 'tools'>>;
  tools?: ToolSelection;
  labels?: Partial<RunLabels>;
  visibility?: Visibility;
  autoStart?: boolean;
}

/** The tools a selection gives over an agent's defaults. */
export function selectTools(defaults: string[], selection: ToolSelection | undefined): string[] | null {
  if (!selection) return null;
  const chosen = new Set(selection.set ?? defaults);
  selection.add.forEach((t) => chosen.add(t));
  selection.remove.forEach((t) => chosen.delete(t));
  return [...chosen];
}
