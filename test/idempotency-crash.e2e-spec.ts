import { ApiClient } from './support/api-client';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * An Idempotency-Key whose request was in flight on a gateway that crashed: a retry on another
 * gateway takes over at once (the crashed owner no longer answers its presence subject) instead of
 * 409 until the abandonment time; while the owner lives, the retry is still a 409.
 */
describe('Idempotency-Key after its gateway crashed', () => {
  let system: TestSystem;
  const user = 'usr_idem_crash';

  beforeAll(async () => {
    // Long waits, so a request stays in flight while its gateway is killed.
    system = await TestSystem.start({ workers: 0, gatewayEnv: { COMMAND_TIMEOUT_MS: '20000' } });
  });
  afterAll(() => system?.stop());

  const gatewayClient = async () => {
    const gateway = await system.startService('gateway', { COMMAND_TIMEOUT_MS: '20000' });
    return { gateway, api: new ApiClient(gateway.url, tokenFor(user)) };
  };

  it('takes over a key whose owner is gone, and refuses one whose owner lives', async () => {
    const second = await gatewayClient();
    const third = await gatewayClient();
    try {
      const runService = system.runServices[0]!;
      await runService.stop();
      const first = system.api(user);

      // In flight on the first gateway (no run-service answers), which is then killed -9.
      const lost = first.post('/v1/threads', { title: 'crash' }, { 'idempotency-key': 'k-crash' }).catch(() => null);
      await new Promise((r) => setTimeout(r, 500));
      await system.gateway!.kill();
      await lost;

      // In flight on the second gateway, which lives: the third must refuse it.
      const live = second.api.post('/v1/threads', { title: 'live' }, { 'idempotency-key': 'k-live' });
      await new Promise((r) => setTimeout(r, 500));
      const refused = await third.api.post('/v1/threads', { title: 'live' }, { 'idempotency-key': 'k-live' });
      expect(refused.status).toBe(409);

      await runService.spawn();
      const started = Date.now();
      const retried = await third.api.post('/v1/threads', { title: 'crash' }, { 'idempotency-key': 'k-crash' });
      expect(retried.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await live).status).toBe(201);
      // Applied once: the retry created the one thread the crashed request had reserved.
      const titles = (await third.api.get('/v1/threads')).body.threads.map((t: { title: string }) => t.title);
      expect(titles.filter((t: string) => t === 'crash')).toHaveLength(1);
    } finally {
      await second.gateway.stop();
      await third.gateway.stop();
    }
  });
});
