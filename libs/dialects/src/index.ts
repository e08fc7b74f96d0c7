/** Each public API dialect's mapping of the one internal vocabulary, in one table per dialect. */
export * from './travelmode';
