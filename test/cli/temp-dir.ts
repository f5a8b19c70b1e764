import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';

/** A fresh temporary folder per test, removed afterwards; `write` puts objects in it as multi-document YAML. */
export function useTempDir(prefix: string): { dir(): string; write(name: string, objects: any[]): string } {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    write: (name, objects) => {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
      return file;
    },
  };
}
