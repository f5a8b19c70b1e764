/**
 * Edge values of the Kubernetes name and label rules (src/core/names.ts): the exact length
 * limits, every anchor of the patterns, and fitName's truncation. Expected names are spelled
 * out, or built here from SHA-256 directly (node's crypto), never with the code under test.
 */
import { createHash } from 'crypto';
import { App, Chart } from 'cdk8s';
import {
  DNS_LABEL_MAX, DNS_SUBDOMAIN_MAX, fitName, isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue, toDnsLabel,
  validateDnsLabel, validateDnsSubdomain, validateLabels,
} from '../../src/core/names';

const chart = () => new Chart(new App(), 'ml');
/** The first `n` hex characters of the SHA-256 of `text`: a second implementation of the name hash. */
const sha = (text: string, n: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, n);
const notAString = 42 as unknown as string;
/** An array whose text is a valid name: only the typeof guard refuses it (RegExp.test would stringify it). */
const arrayOfName = ['a'] as unknown as string;

describe('DNS-1123 labels', () => {
  test('the limits are the Kubernetes ones', () => {
    expect(DNS_LABEL_MAX).toBe(63);
    expect(DNS_SUBDOMAIN_MAX).toBe(253);
  });

  test('accepts exactly 63 characters and refuses 64', () => {
    expect(isDnsLabel('a'.repeat(63))).toBe(true);
    expect(isDnsLabel('a'.repeat(64))).toBe(false);
    expect(isDnsLabel('a'.repeat(10), 10)).toBe(true);
    expect(isDnsLabel('a'.repeat(11), 10)).toBe(false);
  });

  test('anchors: alphanumeric at both ends, lowercase, digits and "-" inside', () => {
    for (const ok of ['a', '0', 'a-b', 'a--b', '9x', 'x9']) expect([ok, isDnsLabel(ok)]).toEqual([ok, true]);
    for (const bad of ['', '-a', 'a-', 'A', 'aB', 'a.b', 'a_b', 'a b', ' a', 'a\nb', 'a\n']) expect([bad, isDnsLabel(bad)]).toEqual([bad, false]);
    expect(isDnsLabel(notAString)).toBe(false);
    expect(isDnsLabel(arrayOfName)).toBe(false);
  });

  test('validateDnsLabel returns the value when valid', () => {
    expect(validateDnsLabel(chart(), 'name', 'train-0')).toBe('train-0');
    expect(validateDnsLabel(chart(), 'name', 'a'.repeat(20), 20)).toBe('a'.repeat(20));
  });

  test('fails validateDnsLabel with the limit given, the value and its length', () => {
    expect(() => validateDnsLabel(chart(), 'service name', 'a'.repeat(21), 20)).toThrow(
      `ml: service name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most 20 characters), got "${'a'.repeat(21)}" (21 characters)`,
    );
  });

  test('fails validateDnsLabel on a non-string without a character count', () => {
    // an Error object: the message must be equal, not only contain it
    expect(() => validateDnsLabel(chart(), 'name', notAString)).toThrow(new Error(
      'ml: name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most 63 characters), got 42',
    ));
  });
});

describe('DNS-1123 subdomains', () => {
  const label63 = 'a'.repeat(63);
  const exactly253 = [label63, label63, label63, 'b'.repeat(61)].join('.');

  test('accepts exactly 253 characters and refuses 254', () => {
    expect(exactly253).toHaveLength(253);
    expect(isDnsSubdomain(exactly253)).toBe(true);
    expect(isDnsSubdomain(`${exactly253}c`)).toBe(false);
  });

  test('anchors: labels joined by single dots', () => {
    for (const ok of ['a', 'a.b', 'a-b.c-d', 'x.y.z', '0.1']) expect([ok, isDnsSubdomain(ok)]).toEqual([ok, true]);
    for (const bad of ['', '.a', 'a.', 'a..b', '-a.b', 'a-.b', 'a.-b', 'A.b', 'a_b', 'a.b\n']) expect([bad, isDnsSubdomain(bad)]).toEqual([bad, false]);
    expect(isDnsSubdomain(notAString)).toBe(false);
    expect(isDnsSubdomain(arrayOfName)).toBe(false);
  });

  test('validateDnsSubdomain returns the value when valid', () => {
    expect(validateDnsSubdomain(chart(), 'host', 'models.example.com')).toBe('models.example.com');
  });

  test('fails validateDnsSubdomain with the construct path and the value', () => {
    expect(() => validateDnsSubdomain(chart(), 'host', 'Models.example.com')).toThrow(
      'ml: host must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), got "Models.example.com"',
    );
  });
});

describe('label keys and values', () => {
  test('values: empty or at most 63 characters with alphanumeric ends', () => {
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('x'.repeat(63))).toBe(true);
    expect(isLabelValue('x'.repeat(64))).toBe(false);
    for (const ok of ['a', 'A', '0', 'a_b.c-d', 'V1.2', 'a--b']) expect([ok, isLabelValue(ok)]).toEqual([ok, true]);
    for (const bad of ['-a', 'a-', '_a', 'a_', '.a', 'a.', 'a b', 'a/b', 'a\n']) expect([bad, isLabelValue(bad)]).toEqual([bad, false]);
    expect(isLabelValue(notAString)).toBe(false);
    expect(isLabelValue(arrayOfName)).toBe(false);
  });

  test('keys: an optional DNS subdomain prefix and a name of 1 to 63 characters', () => {
    for (const ok of ['app', 'A_b.c-D', 'x'.repeat(63), 'example.com/x', 'app.kubernetes.io/name', 'a/b']) {
      expect([ok, isLabelKey(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['', 'x'.repeat(64), 'example.com/', '/x', 'Example.com/x', 'a/b/c', '-a', 'a-', 'a b', 'example.com/-x', 'a\n']) {
      expect([bad, isLabelKey(bad)]).toEqual([bad, false]);
    }
    expect(isLabelKey(notAString)).toBe(false);
  });

  test('validateLabels accepts valid labels and no labels', () => {
    expect(() => validateLabels(chart(), 'labels', { 'example.com/team': 'a', 'tier': 'x'.repeat(63), 'empty': '' })).not.toThrow();
    expect(() => validateLabels(chart(), 'labels', undefined)).not.toThrow();
    expect(() => validateLabels(chart(), 'labels', {})).not.toThrow();
  });

  test('fails validateLabels on a 64-character value', () => {
    expect(() => validateLabels(chart(), 'podLabels', { ok: 'a', team: 'v'.repeat(64) })).toThrow(
      `ml: podLabels: invalid value "${'v'.repeat(64)}" for label team (at most 63 characters, alphanumerics, "-", "_", ".")`,
    );
  });

  test('fails validateLabels on a bad key', () => {
    expect(() => validateLabels(chart(), 'podLabels', { 'bad key': 'a' })).toThrow('ml: podLabels: invalid label key "bad key"');
    expect(() => validateLabels(chart(), 'podLabels', { ['k'.repeat(64)]: 'a' })).toThrow(`ml: podLabels: invalid label key "${'k'.repeat(64)}"`);
  });
});

describe('toDnsLabel', () => {
  test('lowercases, turns other characters into single dashes and trims dashes at both ends', () => {
    expect(toDnsLabel(chart(), 'My_Model v2')).toBe('my-model-v2');
    expect(toDnsLabel(chart(), 'a--b')).toBe('a-b');
    expect(toDnsLabel(chart(), 'a._/b')).toBe('a-b');
    expect(toDnsLabel(chart(), '-a-')).toBe('a');
    expect(toDnsLabel(chart(), '__Ab9__')).toBe('ab9');
    expect(toDnsLabel(chart(), 'x')).toBe('x');
  });

  test('fails when nothing usable is left', () => {
    expect(() => toDnsLabel(chart(), '-')).toThrow('ml: cannot derive a Kubernetes name from "-"');
    expect(() => toDnsLabel(chart(), '')).toThrow('ml: cannot derive a Kubernetes name from ""');
  });
});

describe('fitName', () => {
  test('keeps a name of exactly the maximum length', () => {
    const name = `train-${'a'.repeat(34)}`;
    expect(name).toHaveLength(40);
    expect(fitName(name, 40)).toBe(name);
  });

  test('truncates one character over to max - 7 characters, a dash and 6 hex characters of the full name\'s SHA-256', () => {
    const name = `train-${'a'.repeat(35)}`;
    const out = fitName(name, 40);
    expect(out).toBe(`train-${'a'.repeat(27)}-${sha(name, 6)}`);
    expect(out).toHaveLength(40);
  });

  test('keeps a dash inside the truncated part and drops dashes at its end', () => {
    const inner = `ab-cd-${'e'.repeat(40)}`;
    expect(fitName(inner, 20)).toBe(`ab-cd-eeeeeee-${sha(inner, 6)}`);
    // the cut (13 characters) ends inside a run of dashes: all of them go
    const dashes = `abcdefghij---${'z'.repeat(30)}`;
    expect(fitName(dashes, 20)).toBe(`abcdefghij-${sha(dashes, 6)}`);
  });
});
