/**
 * core/render: transforms of an object's rendered JSON, by key, in registration order.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { hasRenderTransform, setRenderTransform, withAnnotation } from '../../src/core/render';

const configMap = () => new ApiObject(new Chart(new App(), 'c'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
const count = (key: string) => (m: Record<string, any>) => withAnnotation(m, key, String(Number(m.metadata.annotations?.[key] ?? 0) + 1));

describe('setRenderTransform', () => {
  test('toJson returns the transformed manifest; transforms run in registration order', () => {
    const obj = configMap();
    setRenderTransform(obj, 'a', (m) => ({ ...m, data: { order: 'a' } }));
    setRenderTransform(obj, 'b', (m) => ({ ...m, data: { order: `${m.data.order}b` } }));
    expect(obj.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { order: 'ab' } });
  });

  test('registering a key again replaces its transform: it runs once, the new one', () => {
    const obj = configMap();
    setRenderTransform(obj, 'n', count('n'));
    setRenderTransform(obj, 'n', count('n'));
    setRenderTransform(obj, 'm', count('m'));
    expect(obj.toJson().metadata.annotations).toEqual({ n: '1', m: '1' });
    setRenderTransform(obj, 'n', (m) => withAnnotation(m, 'n', 'replaced'));
    expect(obj.toJson().metadata.annotations).toEqual({ n: 'replaced', m: '1' });
  });

  test('hasRenderTransform tells the keys registered on that object only', () => {
    const obj = configMap();
    expect(hasRenderTransform(obj, 'k')).toBe(false);
    setRenderTransform(obj, 'k', (m) => m);
    expect([hasRenderTransform(obj, 'k'), hasRenderTransform(obj, 'other'), hasRenderTransform(configMap(), 'k')]).toEqual([true, false, false]);
  });

  test('toJson stays a writable, configurable property: a user can still wrap or spy on it', () => {
    const obj = configMap();
    setRenderTransform(obj, 'k', count('k'));
    expect(Object.getOwnPropertyDescriptor(obj, 'toJson')).toMatchObject({ writable: true, configurable: true });
    const spy = jest.spyOn(obj, 'toJson');
    expect(obj.toJson().metadata.annotations).toEqual({ k: '1' });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});

describe('withAnnotation', () => {
  test('adds the annotation beside the others, leaving the input untouched', () => {
    const input = { kind: 'ConfigMap', metadata: { name: 'cm', annotations: { a: '1' } } };
    expect(withAnnotation(input, 'b', '2')).toEqual({ kind: 'ConfigMap', metadata: { name: 'cm', annotations: { a: '1', b: '2' } } });
    expect(input).toEqual({ kind: 'ConfigMap', metadata: { name: 'cm', annotations: { a: '1' } } });
    expect(withAnnotation({ kind: 'ConfigMap' }, 'b', '2')).toEqual({ kind: 'ConfigMap', metadata: { annotations: { b: '2' } } });
  });
});
