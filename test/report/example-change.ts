import * as fs from 'fs';
import * as path from 'path';

/** dist/ with the change the README's diff shows, made by hand: promote the canary image, drop its Ingress, more replicas and GPUs, and a trainer image edited in place. */
export function editedExampleCopy(dist: string, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  for (const f of fs.readdirSync(dist)) {
    let text = fs.readFileSync(path.join(dist, f), 'utf8');
    const replace = (from: string | RegExp, to: string) => {
      const next = text.replace(from, to);
      if (next === text) throw new Error(`${f}: ${from} not found`);
      text = next;
    };
    if (f === 'serving.k8s.yaml') {
      replace('image: vllm/vllm-openai:v0.6.3', 'image: vllm/vllm-openai:v0.6.4');
      replace('maxReplicas: 8', 'maxReplicas: 12');
      // the canary's Ingress: the one document with the canary annotation
      text = text.split(/^---\n/m).filter((doc) => !/^kind: Ingress$/m.test(doc) || !/nginx\.ingress\.kubernetes\.io\/canary: "true"/.test(doc)).join('---\n');
    }
    if (f === 'team-a.k8s.yaml') replace('requests.nvidia.com/gpu: "64"', 'requests.nvidia.com/gpu: "80"');
    if (f === 'training-distributed.k8s.yaml') replace('image: ghcr.io/acme/trainer:1.4.2', 'image: ghcr.io/acme/trainer:1.4.3');
    fs.writeFileSync(path.join(into, f), text);
  }
}
