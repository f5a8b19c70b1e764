/**
 * The mutation-testing helpers (scripts/mutation-report.js, jest.mutation.config.js): merging
 * reports with the later one winning, the exact Stryker ranges of a report's survivors, and the jest
 * roots that decide which tests a mutant runs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mergeReports, survivorRanges } = require('../../scripts/mutation-report');

const root = path.join(__dirname, '..', '..');
const loc = (line: number, column: number, endLine: number, endColumn: number) => ({ start: { line, column }, end: { line: endLine, column: endColumn } });

function writeReport(dir: string, name: string, files: object): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ schemaVersion: '1', thresholds: { high: 90, low: 80 }, files }));
  return file;
}

describe('mutation reports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-report-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = writeReport(dir, 'first.json', {
    'src/core/a.ts': {
      mutants: [
        { mutatorName: 'StringLiteral', replacement: '""', location: loc(7, 36, 7, 39), status: 'Survived' },
        { mutatorName: 'ConditionalExpression', replacement: 'true', location: loc(9, 7, 9, 20), status: 'Killed' },
        { mutatorName: 'BlockStatement', replacement: '{}', location: loc(12, 3, 14, 4), status: 'NoCoverage' },
      ],
    },
    'src/gitops/b.ts': { mutants: [{ mutatorName: 'EqualityOperator', replacement: 'a <= b', location: loc(3, 10, 3, 16), status: 'Survived' }] },
  });
  const recheck = writeReport(dir, 'recheck.json', {
    'src/core/a.ts': { mutants: [{ mutatorName: 'StringLiteral', replacement: '""', location: loc(7, 36, 7, 39), status: 'Killed' }] },
  });

  test('merged, the later report wins per location, mutator and replacement', () => {
    const files = mergeReports([first, recheck]);
    expect([...files.keys()]).toEqual(['src/core/a.ts', 'src/gitops/b.ts']);
    expect([...files.get('src/core/a.ts').values()].map((m: any) => [m.location.start.line, m.status])).toEqual([[7, 'Killed'], [9, 'Killed'], [12, 'NoCoverage']]);
  });

  test('survivor ranges: 1-based lines, 0-based columns, Survived and NoCoverage only, optionally under given paths', () => {
    expect(survivorRanges(mergeReports([first]), root)).toEqual(['src/core/a.ts:7:35-7:38', 'src/core/a.ts:12:2-14:3', 'src/gitops/b.ts:3:9-3:15']);
    expect(survivorRanges(mergeReports([first, recheck]), root, ['src/core/'])).toEqual(['src/core/a.ts:12:2-14:3']);
    expect(survivorRanges(mergeReports([first]), root, ['src/gitops/b.ts'])).toEqual(['src/gitops/b.ts:3:9-3:15']);
    expect(survivorRanges(mergeReports([first]), root, ['src/cor'])).toEqual([]);
  });

  test('an event-recorder folder reads like a report (file names from src/)', () => {
    const events = path.join(dir, 'events');
    fs.mkdirSync(events);
    const m = { fileName: path.join(root, 'src/core/a.ts'), mutatorName: 'StringLiteral', replacement: '""', location: loc(7, 36, 7, 39), status: 'Survived' };
    fs.writeFileSync(path.join(events, '0001-onMutantTested.json'), JSON.stringify(m));
    fs.writeFileSync(path.join(events, '0000-onDryRunCompleted.json'), '{}');
    expect(survivorRanges(mergeReports([events]), root)).toEqual(['src/core/a.ts:7:35-7:38']);
  });
});

describe('jest roots of a mutation run', () => {
  const load = (quick: boolean) => {
    const saved = process.env.CDK8S_ML_MUTATION_QUICK;
    if (quick) process.env.CDK8S_ML_MUTATION_QUICK = '1';
    else delete process.env.CDK8S_ML_MUTATION_QUICK;
    try {
      let config: any;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        config = require('../../jest.mutation.config.js');
      });
      return config.roots;
    } finally {
      if (saved === undefined) delete process.env.CDK8S_ML_MUTATION_QUICK;
      else process.env.CDK8S_ML_MUTATION_QUICK = saved;
    }
  };
  test('src/ is a root so related tests are found across folders; --quick keeps test/ alone', () => {
    expect(load(false)).toEqual(['<rootDir>/test', '<rootDir>/src']);
    expect(load(true)).toEqual(['<rootDir>/test']);
  });
});
