import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { DomainError, ErrorCode, RUN_ID_PATTERN, type ApiKeySnapshot } from '#contracts';
import { ApiKeyRecord, apiKeySnapshotOf } from '#persistence';
import { API_KEY_PREFIX, CommandBus, ProjectionWaiter, hashApiKey, type IdSource, type Principal } from '#platform';

const keyNotFound = () => new DomainError(ErrorCode.NotFound, 'API key not found');

/**
 * API keys: a user mints one (the secret is shown once and stored only as its hash), lists and
 * revokes their own. A key acts as its creator within their org and project, with at most the
 * scopes they hold; it cannot mint keys.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly bus: CommandBus,
    private readonly projection: ProjectionWaiter,
    private readonly dataSource: DataSource,
  ) {}

  async create(principal: Principal, input: { name: string; scopes?: string[] }, ids: IdSource): Promise<{ key: ApiKeySnapshot; secret: string }> {
    if (principal.apiKeyId !== null) throw new DomainError(ErrorCode.Forbidden, 'an API key cannot create API keys');
    const keyId = await ids.reserve('keyId', randomUUID);
    // Never reserved with the Idempotency-Key (its record would hold it): minted anew on each try.
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send(
      {
        type: 'CreateApiKey',
        data: { keyId, name: input.name, scopes: input.scopes ?? principal.scopes, secretHash: hashApiKey(secret), prefix: secret.slice(0, 12) },
      },
      principal,
      { commandId },
    );
    if (reply.replayed)
      throw new DomainError(
        ErrorCode.Conflict,
        'an earlier request with this Idempotency-Key created the key and showed its secret; revoke it and create another',
      );
    return { key: await this.settled(reply.apiKey), secret };
  }

  /** The caller's keys, newest first; revoked ones stay listed with `revokedAt`. */
  async list(principal: Principal): Promise<ApiKeySnapshot[]> {
    const rows = await this.dataSource.getRepository(ApiKeyRecord).find({
      where: { ownerId: principal.userId, org: principal.org ?? IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    return rows.map(apiKeySnapshotOf);
  }

  async revoke(principal: Principal, rawKeyId: string, ids: IdSource): Promise<ApiKeySnapshot> {
    const keyId = rawKeyId.toLowerCase();
    if (!RUN_ID_PATTERN.test(keyId)) throw keyNotFound();
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send({ type: 'RevokeApiKey', data: { keyId } }, principal, { commandId });
    return this.settled(reply.apiKey);
  }

  private async settled(key: ApiKeySnapshot | undefined): Promise<ApiKeySnapshot> {
    if (!key) throw new DomainError(ErrorCode.Internal, 'the run service answered without the key');
    await this.projection.waitForApiKey(key.id, key.lastEventSequence);
    return key;
  }
}
