import { DomainError, ErrorCode, parseAgentRef } from '#contracts';

/** `persona_key@version` as the agent and version it selects (absent or null: the default agent). */
export function personaOf(raw: string | null | undefined): { name: string; version: string | null } | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const ref = parseAgentRef(raw);
  if (!ref) throw new DomainError(ErrorCode.ValidationFailed, 'persona_id must be persona_key@version');
  return ref;
}
