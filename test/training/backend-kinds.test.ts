/** The training backends (src/training/backend.ts): kinds and the replicated job / replica names. */
import { TrainingBackend, TrainingBackendKind } from '../../src/training/backend';

test('each backend: its kind and the name of its replicated job', () => {
  expect([TrainingBackend.indexedJob(), TrainingBackend.jobSet(), TrainingBackend.kubeflowTrainJob(), TrainingBackend.pytorchJob()]
    .map((b) => [b.kind, b.replicatedJobName])).toEqual([
    ['indexedJob', 'node'],
    ['jobSet', 'node'],
    ['kubeflowTrainJob', 'node'],
    ['pytorchJob', 'master'],
  ]);
  expect(TrainingBackend.jobSet({ replicatedJobName: 'workers' }).replicatedJobName).toBe('workers');
  expect(Object.values(TrainingBackendKind)).toEqual(['indexedJob', 'jobSet', 'kubeflowTrainJob', 'pytorchJob']);
});
