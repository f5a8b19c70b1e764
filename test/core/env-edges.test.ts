/**
 * Env rendering at its edges (src/core/env.ts): names, credential detection by value and by name,
 * references to Secrets and ConfigMaps by name and by object. Expected values spelled out.
 */
import { App, Chart } from 'cdk8s';
import { EnvSource, External, ISecretRef, looksLikeSecret, renderEnv } from '../../src/core';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });

describe('looksLikeSecret', () => {
  test('well-known token formats, whatever the variable name', () => {
    const tokens = [
      `hf_${'a'.repeat(30)}`, `AKIA${'A'.repeat(16)}`, `ASIA${'B1'.repeat(8)}`, `ghp_${'x'.repeat(36)}`, `ghs_${'x'.repeat(40)}`,
      `sk-${'k'.repeat(20)}`, 'xoxb-1234567890', 'x\n-----BEGIN RSA PRIVATE KEY-----\nabc',
    ];
    for (const t of tokens) expect([t, looksLikeSecret('VALUE', t)]).toEqual([t, true]);
    const near = [`hf_${'a'.repeat(29)}`, `AKIA${'A'.repeat(15)}`, `ghx_${'x'.repeat(36)}`, `sk-${'k'.repeat(19)}`, 'xoxc-1234567890', `xhf_${'a'.repeat(30)}`];
    for (const t of near) expect([t, looksLikeSecret('VALUE', t)]).toEqual([t, false]);
  });

  test('by name: a literal for *_PASSWORD, *_TOKEN, *_API_KEY... unless empty, a number, a boolean or a $(VAR)', () => {
    for (const name of ['DB_PASSWORD', 'PASSWD', 'pass', 'CLIENT_SECRET', 'HF_TOKEN', 'OPENAI_API_KEY', 'apikey', 'AWS_ACCESS_KEY', 'PRIVATE-KEY', 'CREDENTIALS', 'TOKENS']) {
      expect([name, looksLikeSecret(name, 'hunter2')]).toEqual([name, true]);
    }
    for (const value of ['', '4096', '0.5', 'true', 'FALSE', '$(OTHER)']) expect([value, looksLikeSecret('HF_TOKEN', value)]).toEqual([value, false]);
    for (const name of ['TOKEN_LIMIT', 'PASSWORD_FILE', 'SECRETARY_X', 'USER']) expect([name, looksLikeSecret(name, 'hunter2')]).toEqual([name, false]);
    expect(looksLikeSecret('HF_TOKEN', 'x$(A)')).toBe(true);
    expect(looksLikeSecret('HF_TOKEN', '4096a')).toBe(true);
    expect(looksLikeSecret('HF_TOKEN', 'truely')).toBe(true);
    expect(looksLikeSecret('HF_TOKEN', 'untrue')).toBe(true);
    expect(looksLikeSecret('HF_TOKEN', 'v4096')).toBe(true);
    expect(looksLikeSecret('HF_TOKEN', 'x$(A')).toBe(true);
  });
});

describe('renderEnv', () => {
  test('sorted by name; literals, fields, Secrets and ConfigMaps by name', () => {
    expect(renderEnv(chart(), 'env', {
      Z: 'last',
      A: EnvSource.fromConfigMap('settings', 'mode'),
      M: EnvSource.fromSecret('hf', 'token'),
      B: EnvSource.fromField('metadata.name'),
      _x: '',
    })).toEqual([
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
      { name: 'B', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'M', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      { name: 'Z', value: 'last' },
      { name: '_x', value: '' },
    ]);
    expect(renderEnv(chart(), 'env', undefined)).toEqual([]);
  });

  test('Secrets and ConfigMaps as objects resolve their names', () => {
    expect(renderEnv(chart(), 'env', { S: EnvSource.fromSecret(External.secret('hf-token'), 'token'), C: EnvSource.fromConfigMap(External.configMap('cfg'), 'k') })).toEqual([
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
      { name: 'S', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
    ]);
  });

  test('a Secret of another namespace is refused, naming the env var that uses it', () => {
    // ISecretRef is public: a platform library may hand out Secrets with their namespace
    const elsewhere: ISecretRef = { secretRef: () => ({ kind: 'Secret', name: 'tok', namespace: 'team-b', external: true }) };
    expect(() => renderEnv(chart(), 'serving env', { HF_TOKEN: EnvSource.fromSecret(elsewhere, 'token') })).toThrow(
      'ml: serving env HF_TOKEN: Secret "tok" (External) lives in namespace "team-b" but the workload is in namespace "team-a"; a workload can only use a Secret of its own namespace');
  });

  test('descriptions name the source', () => {
    expect(EnvSource.fromSecret('hf', 'token').description).toBe('secret hf/token');
    expect(EnvSource.fromSecret(External.secret('hf'), 'token').description).toBe('secret token');
    expect(EnvSource.fromConfigMap('c', 'k').description).toBe('configmap c/k');
    expect(EnvSource.fromConfigMap(External.configMap('c'), 'k').description).toBe('configmap k');
    expect(EnvSource.fromField('spec.nodeName').description).toBe('field spec.nodeName');
  });

  test('names: letters, digits, "-", "." and "_", not starting with a digit', () => {
    expect(renderEnv(chart(), 'env', { 'a.b-c_9': 'x', '-x': 'y', '.y': 'z' }).map((e) => e.name)).toEqual(['-x', '.y', 'a.b-c_9']);
    for (const name of ['9A', 'A B', 'A=B', 'Ä', '']) {
      expect(() => renderEnv(chart(), 'trainer env', { [name]: 'x' })).toThrow(`ml: trainer env: invalid environment variable name ${JSON.stringify(name)}`);
    }
  });

  test('fails on a value that is neither a string nor an EnvSource', () => {
    expect(() => renderEnv(chart(), 'env', { A: 3 as unknown as string })).toThrow('ml: env: A must be a string or an EnvSource, got 3');
  });

  test('fails on a credential literal', () => {
    expect(() => renderEnv(chart(), 'env', { HF_TOKEN: 'abc' })).toThrow(
      'ml: env: HF_TOKEN looks like a credential given as a literal; reference a Secret with EnvSource.fromSecret(name, key) instead',
    );
  });
});
