import 'reflect-metadata';
import { createLogger, runService } from '#platform';
import { startRunService } from './start';

const logger = createLogger('run-service');

void runService('run-service', logger, () => startRunService(process.env, logger));
