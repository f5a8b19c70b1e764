import * as fs from 'fs';
import * as path from 'path';

/** Expands files and folders into the sorted list of `.yaml`/`.yml`/`.json` files under them. */
export function manifestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string): void => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) visit(path.join(p, entry));
    } else if (/\.(ya?ml|json)$/.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) visit(p);
  return out;
}
