import { execFileSync } from 'child_process';
import * as path from 'path';

/** Result of parsing one diagram with the real mermaid parser. */
export interface MermaidResult {
  readonly ok: boolean;
  readonly type?: string;
  readonly error?: string;
}

/** Parses diagrams with mermaid 11 in a child node process (mermaid is ESM-only and needs a DOM). */
export function parseMermaid(diagrams: readonly string[]): MermaidResult[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'mermaid-parse.mjs')], { input: JSON.stringify(diagrams), encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out);
}

/** The body of the first ```mermaid fence of a Markdown text. */
export function mermaidBlock(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  if (!m) throw new Error('no mermaid block');
  return m[1];
}
