import { ErrorCode, DomainError, type Actor, type ApiKeyCommand, type ApiKeyEvent } from '#contracts';
import { decideApiKey, evolveApiKey, type ApiKeyEventDraft } from './api-key';

const KEY = '00000000-0000-4000-8000-00000000c0de';
const ALICE: Actor = { kind: 'user', id: 'alice', org: 'acme', project: 'p1', scopes: ['workflow:run', 'read'], name: 'Alice' };
const meta = (actor: Actor) => ({ commandId: 'c1', correlationId: 'c1', actor, issuedAt: '2030-01-01T00:00:00.000Z' });
const create = (scopes: string[], actor = ALICE): ApiKeyCommand => ({
  type: 'CreateApiKey',
  data: { keyId: KEY, name: 'ci', scopes, secretHash: 'h'.repeat(64), prefix: 'rsk_abcdefgh' },
  metadata: meta(actor),
});
const revoke = (actor = ALICE): ApiKeyCommand => ({ type: 'RevokeApiKey', data: { keyId: KEY }, metadata: meta(actor) });
const fold = (drafts: ApiKeyEventDraft[]) =>
  drafts
    .map((d, i) => ({ ...d, metadata: { sequence: i + 1, createdAt: `2030-01-01T00:0${i}:00.000Z`, streamId: KEY } }) as unknown as ApiKeyEvent)
    .reduce(evolveApiKey, null);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return null;
};

describe('API keys', () => {
  it('acts as its creator, within their org and project, with the scopes asked', () => {
    const [created] = decideApiKey(create(['workflow:run']), null);
    expect(created).toEqual({
      type: 'ApiKeyCreated',
      data: {
        keyId: KEY, name: 'ci', ownerId: 'alice', org: 'acme', project: 'p1', scopes: ['workflow:run'],
        secretHash: 'h'.repeat(64), prefix: 'rsk_abcdefgh', createdBy: { name: 'Alice', email: null },
      },
    });
  });
  it('never gets a scope its creator lacks', () => expect(refusal(() => decideApiKey(create(['admin']), null))).toBe(ErrorCode.Forbidden));
  it('is created by users only', () =>
    expect(refusal(() => decideApiKey(create([], { kind: 'agent', id: 'w' }), null))).toBe(ErrorCode.Forbidden));
  it('is revoked by its owner once; a second revocation changes nothing', () => {
    const live = fold(decideApiKey(create([]), null));
    const revoked = decideApiKey(revoke(), live);
    expect(revoked).toEqual([{ type: 'ApiKeyRevoked', data: {} }]);
    const after = fold([...decideApiKey(create([]), null), ...revoked]);
    expect(after?.revokedAt).toBe('2030-01-01T00:01:00.000Z');
    expect(decideApiKey(revoke(), after)).toEqual([]);
  });
  it("is not found for anyone but its owner", () =>
    expect(refusal(() => decideApiKey(revoke({ ...ALICE, id: 'bob' }), fold(decideApiKey(create([]), null))))).toBe(ErrorCode.NotFound));
});

describe('API key rules at their edges (found by the mutation run)', () => {
  const live = () => fold(decideApiKey(create([]), null));
  it('cannot be created twice', () => expect(refusal(() => decideApiKey(create([]), live()))).toBe(ErrorCode.AlreadyExists));
  it('an unknown key is not found', () => expect(refusal(() => decideApiKey(revoke(), null))).toBe(ErrorCode.NotFound));
  it('an unknown key is not found for Runstream either', () =>
    expect(refusal(() => decideApiKey(revoke({ kind: 'system', id: 'runstream' }), null))).toBe(ErrorCode.NotFound));
  it("is not found for its owner's id acting in another org", () =>
    expect(refusal(() => decideApiKey(revoke({ ...ALICE, org: 'globex' }), live()))).toBe(ErrorCode.NotFound));
  it('is revoked by Runstream (a non-user actor), whoever owns it', () =>
    expect(decideApiKey(revoke({ kind: 'system', id: 'runstream' }), live())).toEqual([{ type: 'ApiKeyRevoked', data: {} }]));
  it('refuses an unknown command', () =>
    expect(refusal(() => decideApiKey({ type: 'RotateApiKey', data: { keyId: KEY }, metadata: meta(ALICE) } as unknown as ApiKeyCommand, null))).toBe(
      ErrorCode.ValidationFailed,
    ));
});
