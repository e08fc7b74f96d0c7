// Moved to libs/platform (the artifact-service waits for the read model too); kept so imports here stay valid.
export { ProjectionWaiter } from '#platform';
