#!/bin/sh
# Regenerates the typed CRD bindings in imports/ from the CRDs vendored in schemas/crds.
# Offline: `cdk8s import <file>` reads the local YAML. Run with `npm run import`.
set -eu
cd "$(dirname "$0")/.."
out=imports
rm -rf "$out"
mkdir -p "$out"
for crd in \
  kueue/kueue.x-k8s.io_localqueues.yaml \
  kueue/kueue.x-k8s.io_clusterqueues.yaml \
  kueue/kueue.x-k8s.io_resourceflavors.yaml \
  jobset/jobset.x-k8s.io_jobsets.yaml \
  kubeflow-trainer/trainer.kubeflow.org_trainjobs.yaml \
  kubeflow-trainer/trainer.kubeflow.org_trainingruntimes.yaml \
  kubeflow-training-operator-v1/kubeflow.org_pytorchjobs.yaml \
  kserve/serving.kserve.io_inferenceservices.yaml \
  prometheus-operator/monitoring.coreos.com_servicemonitors.yaml \
  keda/keda.sh_scaledobjects.yaml \
  lws/leaderworkerset.x-k8s.io_leaderworkersets.yaml \
  argo-cd/application-crd.yaml \
  argo-workflows/argoproj.io_workflowtemplates.yaml \
  argo-workflows/argoproj.io_cronworkflows.yaml \
  gateway-api/gateway.networking.k8s.io_httproutes.yaml \
  volcano/scheduling.volcano.sh_podgroups.yaml \
  scheduler-plugins/scheduling.x-k8s.io_podgroups.yaml
do
  name=$(basename "$crd" .yaml)
  tmp=$(mktemp -d)
  npx cdk8s import "schemas/crds/$crd" --language typescript --no-check-upgrade --output "$tmp" >/dev/null
  for f in "$tmp"/*.ts; do
    # One file per CRD, named after the CRD file (several CRDs share an API group).
    mv "$f" "$out/$name.ts"
  done
  rm -rf "$tmp"
done
ls -la "$out"
