import * as fs from 'fs';
import * as path from 'path';
import { manifestFiles, notManifestReason } from '../../src/validation/files';
import { useTempDir } from '../cli/temp-dir';

const temp = useTempDir('cdk8s-ml-files-');

function touch(...names: string[]): void {
  for (const name of names) {
    const file = path.join(temp.dir(), name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }
}

const relative = (files: string[]) => files.map((f) => path.relative(temp.dir(), f));

describe('manifestFiles', () => {
  test('takes .yaml, .yml and .json files, in sorted order, from folders at any depth', () => {
    touch('b.yaml', 'a.json', 'c/z.yml', 'c/d/e.yaml', 'c/a.yaml', 'README.md', 'notes.txt');
    expect(relative(manifestFiles([temp.dir()]))).toEqual(['a.json', 'b.yaml', 'c/a.yaml', 'c/d/e.yaml', 'c/z.yml']);
  });

  test('the extension must end the name: .yaml.bak, .jsonl, yaml without a dot are not manifests', () => {
    touch('app.yaml.bak', 'events.jsonl', 'yaml', 'x.YAML', 'app.yaml');
    expect(relative(manifestFiles([temp.dir()]))).toEqual(['app.yaml']);
  });

  test('a file given by name is taken as it is; paths keep the order they were given in', () => {
    touch('z.yaml', 'dir/a.yaml', 'dir/b.json');
    const dir = path.join(temp.dir(), 'dir');
    expect(relative(manifestFiles([path.join(temp.dir(), 'z.yaml'), dir]))).toEqual(['z.yaml', 'dir/a.yaml', 'dir/b.json']);
    expect(relative(manifestFiles([path.join(dir, 'b.json'), path.join(dir, 'a.yaml')]))).toEqual(['dir/b.json', 'dir/a.yaml']);
  });

  test('an empty folder gives no files; a missing path is an error naming it', () => {
    fs.mkdirSync(path.join(temp.dir(), 'empty'));
    expect(manifestFiles([path.join(temp.dir(), 'empty')])).toEqual([]);
    const missing = path.join(temp.dir(), 'missing');
    expect(() => manifestFiles([missing])).toThrow(`ENOENT: no such file or directory, stat '${missing}'`);
  });
});

describe('notManifestReason', () => {
  const reason = 'not a Kubernetes manifest (no document has apiVersion or kind)';

  test('an empty file holds no objects and is no error', () => {
    expect(notManifestReason([])).toBeUndefined();
  });

  test('one document with apiVersion or kind makes the file a manifest file', () => {
    expect(notManifestReason([{ apiVersion: 'v1' }])).toBeUndefined();
    expect(notManifestReason([{ kind: 'ConfigMap' }])).toBeUndefined();
    expect(notManifestReason([{ other: 1 }, { kind: 'ConfigMap' }])).toBeUndefined();
    expect(notManifestReason([{ kind: 'ConfigMap' }, { other: 1 }])).toBeUndefined();
  });

  test('documents that are not objects with apiVersion or kind are not a manifest', () => {
    expect(notManifestReason([{ other: 1 }])).toBe(reason);
    expect(notManifestReason([null])).toBe(reason);
    expect(notManifestReason(['kind'])).toBe(reason);
    expect(notManifestReason([['apiVersion', 'kind']])).toBe(reason);
    expect(notManifestReason([{ metadata: { kind: 'x' } }, 42])).toBe(reason);
  });
});
