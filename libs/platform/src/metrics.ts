import { Controller, Get, Header, Module, SetMetadata } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PUBLIC_ROUTE } from './tokens';

/** One registry per process: Node.js defaults plus Runstream's own counters. */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics });

export const commandsTotal = new Counter({
  name: 'runstream_commands_total',
  help: 'Commands settled by the run-service, by type and outcome',
  labelNames: ['type', 'outcome'] as const,
  registers: [metrics],
});

export const eventsAppendedTotal = new Counter({
  name: 'runstream_events_appended_total',
  help: 'Events appended to RUN_EVENTS',
  registers: [metrics],
});

export const commandSeconds = new Histogram({
  name: 'runstream_command_seconds',
  help: 'Time from receiving a command to settling it',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [metrics],
});

export const quarantinedEventsTotal = new Counter({
  name: 'runstream_quarantined_events_total',
  help: 'Events the projector could not write after its tries, and the later events of their aggregates it then skipped',
  registers: [metrics],
});

export const projectedEventsTotal = new Counter({
  name: 'runstream_projected_events_total',
  help: 'Events written to the Postgres read model',
  registers: [metrics],
});

@Controller('metrics')
@SetMetadata(PUBLIC_ROUTE, true)
class MetricsController {
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return metrics.metrics();
  }
}

/** Prometheus text format on GET /metrics. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
