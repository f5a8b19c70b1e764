/** `cdk8s-ml report` and `cdk8s-ml diff`: explain a rendered app and a change to it, from YAML only. */
export { readRendered, RenderedInputError } from './input';
export type { RenderedApp, RenderedObject } from './input';
export { reportMarkdown } from './report';
export { appFacts } from './model';
export type { AppFacts, WorkloadInfo, DatasetInfo, FlowInfo, ExternalInfo, ScheduleInfo, QueueInfo } from './model';
export { diffApps, diffMarkdown, diffJson, diffLine, CHANGE_KINDS, CHANGE_TITLES } from './diff';
export type { Change, ChangeKind, DiffResult } from './diff';
export { describeCron, describeSchedule } from './cron';
export { mermaidDiagram } from './mermaid';
export { constructOf } from './construct';
