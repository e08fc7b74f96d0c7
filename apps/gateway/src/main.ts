import 'reflect-metadata';
import { createLogger, runService } from '#platform';
import { startGateway } from './start';

const logger = createLogger('gateway');

void runService('gateway', logger, () => startGateway(process.env, logger));
