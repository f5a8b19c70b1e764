export * from './framework';
export * from './scheduling';
export * from './checkpoint';
export * from './backend';
export * from './network';
export * from './pod-template';
export * from './distributed-training-job';
