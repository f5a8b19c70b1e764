/**
 * core/resources: accelerators (resource names, toleration keys, node selectors) and the
 * errors of renderResources and Accelerator.validate, spelled out.
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Accelerator, ComputeResources, renderResources } from '../../src/core/resources';
import { constructErrorOf } from '../support/errors';

const chart = () => new Chart(new App(), 'ml');
const json = (r: k8s.ResourceRequirements) => k8s.toJson_ResourceRequirements(r);

describe('Accelerator', () => {
  test('AMD GPUs: amd.com/gpu, tolerated by that key, no node selector', () => {
    const amd = Accelerator.amdGpu({ count: 2 });
    expect({ resourceName: amd.resourceName, tolerationKey: amd.tolerationKey, nodeSelector: amd.nodeSelector, count: amd.count })
      .toEqual({ resourceName: 'amd.com/gpu', tolerationKey: 'amd.com/gpu', nodeSelector: {}, count: 2 });
    expect(json(renderResources(chart(), { cpu: '1', memory: '1Gi' }, amd))).toEqual({
      requests: { 'cpu': '1', 'memory': '1Gi', 'amd.com/gpu': '2' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'amd.com/gpu': '2' },
    });
  });

  test('a custom device: its resource name, toleration key and node selector', () => {
    const fpga = Accelerator.custom({ resourceName: 'xilinx.com/fpga', count: 1, nodeSelector: { 'fpga.model': 'u250' }, tolerationKey: 'fpga' });
    expect({ resourceName: fpga.resourceName, tolerationKey: fpga.tolerationKey, nodeSelector: fpga.nodeSelector })
      .toEqual({ resourceName: 'xilinx.com/fpga', tolerationKey: 'fpga', nodeSelector: { 'fpga.model': 'u250' } });
    expect(Accelerator.custom({ resourceName: 'xilinx.com/fpga', count: 1 }).tolerationKey).toBe('xilinx.com/fpga');
  });

  test('fails on a node selector value that is no label value', () => {
    const bad = (value: string) => Accelerator.custom({ resourceName: 'xilinx.com/fpga', count: 1, nodeSelector: { 'fpga.model': value } });
    expect(constructErrorOf(() => bad('u 250').validate(chart())).message).toBe('ml: accelerator node selector fpga.model has an invalid label value "u 250"');
    expect(constructErrorOf(() => bad('a'.repeat(64)).validate(chart())).message).toBe(`ml: accelerator node selector fpga.model has an invalid label value "${'a'.repeat(64)}"`);
    expect(() => bad('a'.repeat(63)).validate(chart())).not.toThrow();
    expect(() => bad('').validate(chart())).not.toThrow();
    for (const ok of ['a', '7', 'a.b_c-d', 'A-1']) expect(() => bad(ok).validate(chart())).not.toThrow();
    for (const wrong of ['-a', 'a.', '_', 'a b']) expect(() => bad(wrong).validate(chart())).toThrow(`invalid label value ${JSON.stringify(wrong)}`);
  });
});

describe('renderResources', () => {
  const quantityMessage = (what: string, shown: string) => `ml: ${what} must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got ${shown}`;

  test('names the field of a malformed limit or ephemeral-storage quantity', () => {
    const base = { cpu: '1', memory: '1Gi' };
    expect(constructErrorOf(() => renderResources(chart(), { ...base, cpuLimit: 'lots' })).message).toBe(quantityMessage('resources.cpuLimit', '"lots"'));
    expect(constructErrorOf(() => renderResources(chart(), { ...base, memoryLimit: '1GB' })).message).toBe(quantityMessage('resources.memoryLimit', '"1GB"'));
    expect(constructErrorOf(() => renderResources(chart(), { ...base, ephemeralStorage: '0' })).message).toBe(quantityMessage('resources.ephemeralStorage', '"0"'));
  });

  test.each<[unknown, string]>([[undefined, 'undefined'], [null, 'null'], ['1Gi', '"1Gi"']])('fails on resources %p', (resources, shown) => {
    expect(constructErrorOf(() => renderResources(chart(), resources as ComputeResources)).message)
      .toBe(`ml: resources must be an object with cpu and memory, got ${shown}`);
  });
});
