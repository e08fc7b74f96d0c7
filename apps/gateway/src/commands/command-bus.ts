// Moved to libs/platform (the artifact-service sends commands too); kept so imports here stay valid.
export { CommandBus, type SendOptions } from '#platform';
