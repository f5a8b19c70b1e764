// Renders the GitOps example app to stdout (used by the determinism test in child processes
// with different TZ / LANG). Optional argv[2]: "kubectl" for the kubectl delivery mode.
import { App } from 'cdk8s';
import { gitopsExample } from '../../src/example/gitops';
import { DeliveryMode } from '../../src/gitops';

const app = new App();
gitopsExample(app, process.argv[2] === 'kubectl' ? DeliveryMode.KUBECTL : DeliveryMode.GITOPS);
process.stdout.write(app.synthYaml());
