import { DomainError, ErrorCode, parseAgentRef } from '#contracts';

/** `POST /api/v1/agents`, as validated by the gateway's DTO. */
export interface CreateAgentRunBody {
  interaction: string;
  data?: Record<string, unknown>;
  environment?: string;
  model?: string;
  interactive?: boolean;
  tool_names?: string[];
  collection_id?: string;
  visibility?: 'private' | 'project';
  tags?: string[];
  categories?: string[];
  properties?: Record<string, unknown>;
  search_scope?: 'collection';
  user_channels?: Record<string, unknown>[];
  checkpoint_tokens?: number;
  debug_mode?: boolean;
  title?: string;
  topic?: string;
}

/** `+tool` adds to the agent's defaults, `-tool` removes; plain names replace the defaults. */
export function toolSelection(names: string[] | undefined) {
  if (names === undefined) return undefined;
  const plain = names.filter((n) => !n.startsWith('+') && !n.startsWith('-'));
  return {
    set: plain.length > 0 ? plain : null,
    add: names.filter((n) => n.startsWith('+')).map((n) => n.slice(1)),
    remove: names.filter((n) => n.startsWith('-')).map((n) => n.slice(1)),
  };
}

/** The fields Vertesia passes to the agent that Runstream itself has no use for. */
const SETTINGS = ['collection_id', 'search_scope', 'user_channels', 'checkpoint_tokens', 'debug_mode'] as const;

/** A new agent run: `interaction` is `Name`, `Name@2` or `Name@draft`; started at once, project-visible by default. */
export function agentRunRequest(body: CreateAgentRunBody) {
  const ref = parseAgentRef(body.interaction);
  if (!ref) throw new DomainError(ErrorCode.ValidationFailed, 'interaction must be a name, or name@version');
  const settings = Object.fromEntries(SETTINGS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
  return {
    agent: ref.name,
    version: ref.version,
    lenientAgent: false,
    input: { message: null, data: body.data ?? {} },
    options: {
      ...(body.model === undefined ? {} : { model: body.model }),
      ...(body.environment === undefined ? {} : { environment: body.environment }),
      interactive: body.interactive ?? true,
      settings,
    },
    tools: toolSelection(body.tool_names),
    labels: { tags: body.tags ?? [], categories: body.categories ?? [], properties: body.properties ?? {} },
    visibility: body.visibility ?? ('project' as const),
    autoStart: true,
  };
}
