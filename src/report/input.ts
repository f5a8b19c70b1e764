/**
 * Reads a folder of rendered manifests for `cdk8s-ml report` and `cdk8s-ml diff`: every
 * `.yaml`/`.yml`/`.json` file under it (sorted), skipping files that hold no Kubernetes
 * object (such as `construct-metadata.json`), as `cdk8s-ml validate` does.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { show } from '../core/errors';
import { manifestFiles, notManifestReason } from '../validation/files';
import { toManifests } from '../validation/validate';

/** One rendered object and the file (relative to the folder) it came from. */
export interface RenderedObject {
  readonly object: any;
  readonly file: string;
}

/** A folder of rendered manifests. */
export interface RenderedApp {
  /** The folder as given. */
  readonly dir: string;
  /** Every object, in file order. */
  readonly objects: readonly RenderedObject[];
  /** Files read (relative). */
  readonly files: readonly string[];
  /** Files skipped because they hold no Kubernetes object (relative), with the reason. */
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

/** A folder that cannot be read (missing, not a folder, or a file that is not YAML/JSON). */
export class RenderedInputError extends Error {}

/** Parsed documents by their text, shared between the folders of one diff (the same text parses once, to the same objects). */
export type ParseCache = Map<string, unknown>;

/** A line that is exactly `---`: the separator cdk8s writes between documents. */
const SEPARATOR = /^---[ \t]*$/m;

/**
 * The documents of a file: split at the `---` lines cdk8s writes and parsed one by one, each
 * document's text looked up in `cache` first (a diff parses a document both folders hold
 * once); a file with directives, `...` markers or content after `---` is parsed whole.
 */
function parseFile(text: string, cache?: ParseCache): any[] {
  if (/^(%|\.\.\.|---[ \t]*\S)/m.test(text)) return parseWhole(text);
  const out: any[] = [];
  for (const doc of text.split(SEPARATOR)) {
    if (doc.trim() === '') continue;
    let objects = cache?.get(doc) as any[] | undefined;
    if (objects === undefined) {
      objects = parseWhole(doc);
      cache?.set(doc, objects);
    }
    out.push(...objects);
  }
  return out;
}

/**
 * The objects of a YAML text, as `toManifests` reads them (lists flattened). Parsed with
 * js-yaml (YAML 1.2 core schema, like the `yaml` library `validate` uses): on rendered apps
 * it reads 7-8× faster, which keeps `report` and `diff` of thousands of objects within their
 * time budget (docs/BENCHMARKS.md).
 */
function parseWhole(text: string): any[] {
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text);
  } catch (e: any) {
    const where = e?.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw new Error(`invalid YAML: ${e?.reason ?? e?.message ?? e}${where}`);
  }
  return toManifests(docs.filter((d) => d !== null && d !== undefined) as any[]);
}

/** Reads every manifest under `dir`; throws {@link RenderedInputError} naming the file when one cannot be parsed. */
export function readRendered(dir: string, cache?: ParseCache): RenderedApp {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new RenderedInputError(`folder ${show(dir)} does not exist`);
  }
  if (!stat.isDirectory()) throw new RenderedInputError(`${show(dir)} is not a folder of rendered manifests`);
  const objects: RenderedObject[] = [];
  const files: string[] = [];
  const skipped: Array<{ file: string; reason: string }> = [];
  for (const full of manifestFiles([dir])) {
    const file = path.relative(dir, full).split(path.sep).join('/');
    let docs: any[];
    try {
      docs = parseFile(fs.readFileSync(full, 'utf8'), cache);
    } catch (e: any) {
      throw new RenderedInputError(`${full}: ${String(e?.message ?? e).replace(/^validateManifests: /, '')}`);
    }
    const reason = notManifestReason(docs);
    if (reason !== undefined) {
      skipped.push({ file, reason });
      continue;
    }
    files.push(file);
    for (const object of docs) {
      if (typeof object === 'object' && object !== null && !Array.isArray(object)) objects.push({ object, file });
    }
  }
  return { dir, objects, files, skipped };
}
