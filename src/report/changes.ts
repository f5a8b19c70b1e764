/**
 * Field-level differences between two rendered objects, worded for review: arrays of named
 * items (containers, env, volumes, ports) are compared by name, so `containers[trainer].image`
 * rather than `containers/0/image`.
 */

/** One changed field. */
export interface FieldChange {
  /** Dotted path, e.g. `template.spec.containers[trainer].image`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const named = (x: unknown): x is Array<{ name: string }> =>
  Array.isArray(x) && x.length > 0 && x.every((i) => isObject(i) && typeof i.name === 'string') && new Set(x.map((i: any) => i.name)).size === x.length;

/** Every changed leaf between `a` and `b` (objects by key, named arrays by name, other arrays whole). */
export function fieldChanges(a: unknown, b: unknown, path = ''): FieldChange[] {
  if (a === b) return [];
  const join = (k: string) => (path === '' ? k : `${path}.${k}`);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => fieldChanges(a[k], b[k], join(k)));
  }
  if ((named(a) || a === undefined) && (named(b) || b === undefined) && (a !== undefined || b !== undefined)) {
    const am = new Map((a ?? []).map((i) => [i.name, i] as const));
    const bm = new Map((b ?? []).map((i) => [i.name, i] as const));
    const names = [...new Set([...am.keys(), ...bm.keys()])];
    return names.flatMap((n) => fieldChanges(am.get(n), bm.get(n), `${path}[${n}]`));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.some((x) => typeof x === 'object' && x !== null)) {
    return a.flatMap((x, i) => fieldChanges(x, b[i], `${path}[${i}]`));
  }
  return [{ path, before: a, after: b }];
}

/** A value for a message: JSON, shortened past 80 characters; `(none)` when absent. */
export function showValue(x: unknown): string {
  if (x === undefined) return '(none)';
  const s = JSON.stringify(x);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `path: before → after`, at most `max` of them, then `and N more`. */
export function describeChanges(changes: readonly FieldChange[], max = 6): string {
  const shown = changes.slice(0, max).map((c) => `${c.path} ${showValue(c.before)} → ${showValue(c.after)}`);
  if (changes.length > max) shown.push(`and ${changes.length - max} more`);
  return shown.join('; ');
}

/** Words for a change of a container's args: the flags whose values changed (`--max-model-len "8192" → "16384"`), else both lists. */
export function argsWords(before: unknown, after: unknown): string {
  const a = Array.isArray(before) ? before.map(String) : [];
  const b = Array.isArray(after) ? after.map(String) : [];
  if (a.length === b.length && a.length > 0) {
    const parts: string[] = [];
    a.forEach((x, i) => {
      if (x !== b[i]) parts.push(`${i > 0 && a[i - 1].startsWith('-') && a[i - 1] === b[i - 1] ? `${a[i - 1]} ` : ''}${JSON.stringify(x)} → ${JSON.stringify(b[i])}`);
    });
    return parts.join(', ');
  }
  const removed = a.filter((x) => !b.includes(x));
  const added = b.filter((x) => !a.includes(x));
  return [removed.length > 0 ? `removed ${JSON.stringify(removed)}` : '', added.length > 0 ? `added ${JSON.stringify(added)}` : ''].filter(Boolean).join(', ') || `${showValue(before)} → ${showValue(after)}`;
}
