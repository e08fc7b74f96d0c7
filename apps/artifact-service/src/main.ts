import 'reflect-metadata';
import { createLogger, runService } from '#platform';
import { startArtifactService } from './start';

const logger = createLogger('artifact-service');

void runService('artifact-service', logger, () => startArtifactService(process.env, logger));
