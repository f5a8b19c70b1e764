/**
 * SecretKey (src/data/secret-key.ts) validated directly: names, keys, keys of a Secret defined in
 * the app, External secrets; and the fetch exit codes (src/data/exit-codes.ts) spelled out.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { External } from '../../src/core';
import { FetchExitCodes, PERMANENT_FETCH_EXIT_CODES, RETRYABLE_FETCH_EXIT_CODES } from '../../src/data/exit-codes';
import { SecretKey } from '../../src/data/secret-key';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });

describe('SecretKey', () => {
  test('by name: the key reference and its text', () => {
    const k = SecretKey.of('s3-creds', 'access_key.id-1');
    k.validate(chart(), 'auth');
    expect(k.toKeyRef()).toEqual({ name: 's3-creds', key: 'access_key.id-1' });
    expect(String(k)).toBe('s3-creds/access_key.id-1');
    expect(k.secretName).toBe('s3-creds');
    expect(k.externalRef).toBeUndefined();
  });

  test('External.secret: the name resolves at validation and the reference is kept', () => {
    const k = SecretKey.of(External.secret('hf'), 'token');
    expect(k.secretName).toBe('');
    k.validate(chart(), 'auth');
    expect(k.toKeyRef()).toEqual({ name: 'hf', key: 'token' });
    expect(k.externalRef).toMatchObject({ kind: 'Secret', name: 'hf', external: true });
  });

  test('a cdk8s-plus Secret with data: the key must be one of its keys; without data any key', () => {
    const c = chart();
    const withData = new kplus.Secret(c, 'creds', { stringData: { token: 'x' } });
    withData.addStringData('other', 'y');
    SecretKey.fromSecret(withData, 'token').validate(c, 'auth');
    expect(() => SecretKey.fromSecret(withData, 'missing').validate(c, 'auth')).toThrow(
      `ml: auth: secret ${JSON.stringify(withData.name)} has no key "missing" (it has other, token)`,
    );
    const empty = new kplus.Secret(c, 'filled-elsewhere');
    expect(() => SecretKey.fromSecret(empty, 'anything').validate(c, 'auth')).not.toThrow();
    expect(() => SecretKey.fromSecret({ name: 'plain' }, 'k').validate(c, 'auth')).not.toThrow();
    // stringData and data keys together, listed sorted
    const holder = new Construct(c, 'holder');
    new k8s.KubeSecret(holder, 'Resource', { metadata: { name: 'mixed' }, stringData: { z: 'x' }, data: { a: 'eA==' } });
    expect(() => SecretKey.fromSecret({ name: 'mixed', node: holder.node } as never, 'm').validate(c, 'auth')).toThrow('ml: auth: secret "mixed" has no key "m" (it has a, z)');
    SecretKey.fromSecret({ name: 'mixed', node: holder.node } as never, 'a').validate(c, 'auth');
    // only a Secret's keys are checked: another object with data (here a ConfigMap) is not read
    const notASecret = new kplus.ConfigMap(c, 'cm', { data: { other: 'z' } });
    expect(() => SecretKey.fromSecret(notASecret, 'token').validate(c, 'auth')).not.toThrow();
  });

  test('fails on a bad secret name, key, or secret object', () => {
    expect(() => SecretKey.of('S3', 'k').validate(chart(), 'auth')).toThrow('ml: auth: secret name must be a DNS-1123 subdomain, got "S3"');
    for (const key of ['', 'a b', 'a/b', 'k'.repeat(254)]) {
      expect(() => SecretKey.of('s', key).validate(chart(), 'auth')).toThrow(
        `ml: auth: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got ${JSON.stringify(key)}`,
      );
    }
    expect(() => SecretKey.of('s', 'k'.repeat(253)).validate(chart(), 'auth')).not.toThrow();
    expect(() => SecretKey.of('s', 7 as unknown as string).validate(chart(), 'auth')).toThrow(
      'ml: auth: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got 7',
    );
    expect(() => SecretKey.of({ nope: 1 } as never, 'k').validate(chart(), 'auth')).toThrow('ml: auth: secret must be a name or External.secret(name), got {"nope":1}');
    expect(() => SecretKey.of(null as never, 'k').validate(chart(), 'auth')).toThrow('ml: auth: secret must be a name or External.secret(name), got null');
  });
});

test('fetch exit codes: the contract of docs/FETCH.md', () => {
  expect(FetchExitCodes).toEqual({
    OK: 0, NETWORK_ERROR: 10, HTTP_SERVER_ERROR: 11, STALLED: 12, LOCK_TIMEOUT: 13,
    CHECKSUM_MISMATCH: 20, HTTP_CLIENT_ERROR: 21, BAD_ARCHIVE: 22, NO_SPACE: 23, BAD_CONFIG: 24, TLS_ERROR: 25,
  });
  expect(PERMANENT_FETCH_EXIT_CODES).toEqual([20, 21, 22, 23, 24, 25]);
  expect(RETRYABLE_FETCH_EXIT_CODES).toEqual([10, 11, 12, 13]);
});
