/**
 * Example app: a small ML platform, one chart per concern. `npm run synth` renders it into
 * dist/, which Argo CD syncs. Run from the compiled JS (lib/src/main.js).
 */
import { App } from 'cdk8s';
import { platformChart } from './example/platform';
import { trainingChart } from './example/training';

export function buildExampleApp(outdir?: string): App {
  const app = new App({ outdir, yamlOutputType: undefined });
  platformChart(app);
  trainingChart(app);
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
