import 'reflect-metadata';
import { createLogger, runService } from '#platform';
import { startStreamService } from './start';

const logger = createLogger('stream-service');

void runService('stream-service', logger, () => startStreamService(process.env, logger));
