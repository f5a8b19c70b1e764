export * from './workload-requests';
export * from './team-queue';
export * from './ml-namespace';
export * from './scheduled-training';
export * from './priority';
