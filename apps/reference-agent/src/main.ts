import { createServer } from 'node:http';
import { AgentWorker } from '#agent-sdk';
import { connectNats } from '#messaging';
import { createLogger, runService } from '#platform';
import { loadReferenceAgentConfig } from './config';
import { TRIP_PLANNER_PHASES, TRIP_PLANNER_TOOLS, tripPlanner } from './trip-planner';

const logger = createLogger('reference-agent');

/** A worker process built only on libs/agent-sdk, as any agent author's would be. */
void runService('reference-agent', logger, async () => {
  const config = loadReferenceAgentConfig();
  const nc = await connectNats(config.NATS_URL, 'reference-agent', logger);
  const worker = new AgentWorker({
    nc,
    agents: {
      [config.AGENT_NAME]: {
        version: config.AGENT_VERSION,
        description: 'Plans trips: sights, museums, walks and food, day by day',
        phases: TRIP_PLANNER_PHASES,
        tools: TRIP_PLANNER_TOOLS.map((t) => t.name),
        model: config.LLM_BASE_URL ? config.LLM_MODEL : 'trip-planner-offline',
        environment: 'default',
        handler: tripPlanner({
          stepMs: config.TRIP_PLANNER_STEP_MS,
          inputTimeoutMs: config.TRIP_PLANNER_INPUT_TIMEOUT_MS,
          artifacts: config.TRIP_PLANNER_ARTIFACTS,
          llm: config.LLM_BASE_URL ? { baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL } : null,
        }),
      },
    },
    maxConcurrentRuns: config.WORKER_CONCURRENCY,
    leaseRenewMs: config.WORKER_LEASE_RENEW_MS,
    attemptTimeoutMs: config.WORKER_ATTEMPT_TIMEOUT_MS,
    artifactTimeoutMs: config.WORKER_ARTIFACT_TIMEOUT_MS,
    artifactRetryForMs: config.WORKER_ARTIFACT_RETRY_MS,
    tools: TRIP_PLANNER_TOOLS,
    logger,
  });
  let ready = false;
  const health = createServer((req, res) => {
    const ok = req.url === '/health/live' || (req.url === '/health/ready' && ready && !nc.isClosed());
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', activeRuns: worker.activeRuns }));
  });
  await new Promise<void>((resolve) => health.listen(config.HEALTH_PORT, resolve));
  await worker.start();
  ready = true;
  return {
    close: async () => {
      ready = false;
      await worker.stop();
      await nc.drain();
      health.close();
    },
  };
});
