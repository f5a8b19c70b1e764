#!/bin/sh
# Local Kubernetes control plane for the cluster test tier (GitHub issue 9).
#
# Builds kube-apiserver and kube-controller-manager from the k8s.io/kubernetes Go module
# pinned in test/cluster/kube/go.mod, caches them outside the repository keyed by version,
# and runs etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 (free ports, state
# in a temporary directory). There is no scheduler and no kubelet: pods stay Pending.
#
# With --e2e (the e2e tier, test/e2e; GitHub issue 14) `build` also builds kube-scheduler,
# kubectl, Kueue, JobSet, LeaderWorkerSet and kwok (versions pinned below, each from its Go module, cached by
# version), and `start` also runs kube-scheduler, Kueue, JobSet and LWS (their webhooks served on
# 127.0.0.1 with certificates made here, registered with clientConfig.url + caBundle) and
# kwok with simulated GPU nodes whose pods run through the stages in test/e2e/kwok-stages.yaml.
#
# Usage:
#   provision.sh build [--e2e]                build or reuse the cached binaries; prints their folder
#   provision.sh start [DIR] [--owner-pid P] [--e2e]
#                                             start a control plane with its state in DIR (default:
#                                             a new temporary folder); prints the kubeconfig path.
#                                             With --owner-pid, everything is stopped when process P
#                                             exits (guards against orphans if the caller crashes).
#   provision.sh stop DIR                     stop everything `start DIR` started, remove DIR
#   provision.sh run -- CMD [ARGS...]         start, run CMD with KUBECONFIG (and CDK8S_ML_CLUSTER_KUBECONFIG,
#                                             CDK8S_ML_CLUSTER_DIR) set, stop (trap on exit)
#   provision.sh up                           `start --e2e` in a fixed folder ($CDK8S_ML_E2E_DIR, default
#                                             ${TMPDIR:-/tmp}/cdk8s-ml-e2e-<uid>), stopped after
#                                             $CDK8S_ML_E2E_LIFETIME seconds (default 14400) at the latest;
#                                             last line KUBECONFIG=<path> (npm run cluster:up)
#   provision.sh down                         stop what `up` started (npm run cluster:down)
#
# Environment:
#   CDK8S_ML_CLUSTER_CACHE  binary cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-ml-cluster)
#   GO                      go command (default: go on PATH, else /usr/local/go/bin/go)
#   ETCD                    etcd binary (default: etcd on PATH; Debian: apt-get install -y etcd-server)
#   KEEP_CLUSTER_DIR=1      `stop` keeps DIR (logs) instead of removing it
#   CDK8S_ML_E2E_GPU_NODES  simulated GPU nodes for --e2e (default 8; 8 x nvidia.com/gpu each)
#   CDK8S_ML_E2E_KUEUE_LWS  1: enable Kueue's LeaderWorkerSet integration (default 0: see write_kueue_config)
#   CDK8S_ML_CLUSTER_K8S    another Kubernetes minor with a module in test/cluster/kube-<minor>
#                           (1.33); default: test/cluster/kube (1.28)
#
# Needs: go (>= 1.24), etcd, openssl, curl.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# Default: Kubernetes 1.28 (test/cluster/kube). CDK8S_ML_CLUSTER_K8S=1.33 selects test/cluster/kube-1.33.
KUBE_MOD="$HERE/kube${CDK8S_ML_CLUSTER_K8S:+-$CDK8S_ML_CLUSTER_K8S}"
SERVICE_CIDR=10.96.0.0/16
# Controllers of the e2e tier (--e2e), each built from its Go module at this version.
KUEUE_VERSION=v0.17.0
JOBSET_VERSION=v0.11.1
LWS_VERSION=v0.8.0
KWOK_VERSION=v0.8.0
# Optional (--argocd): Argo CD's application controller and repo server, one multi-call binary
# built from the github.com/argoproj/argo-cd/v3 module (argv[0] selects the component).
ARGOCD_VERSION=v3.2.1
SERVICE_IP=10.96.0.1

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

k8s_version() {
  [ -f "$KUBE_MOD/go.mod" ] || die "no Go module for Kubernetes ${CDK8S_ML_CLUSTER_K8S:-default} at $KUBE_MOD"
  v=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v[0-9]/ { print substr($2, 2) }
    $1 == "require" && $2 == "k8s.io/kubernetes" { print substr($3, 2) }' "$KUBE_MOD/go.mod" | head -n 1)
  [ -n "$v" ] || die "cannot read the k8s.io/kubernetes version from $KUBE_MOD/go.mod"
  printf '%s\n' "$v"
}

cache_root() {
  printf '%s\n' "${CDK8S_ML_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-ml-cluster}"
}

cache_dir() {
  printf '%s/%s\n' "$(cache_root)" "$(k8s_version)"
}

go_cmd() {
  if [ -n "${GO:-}" ]; then printf '%s\n' "$GO"
  elif command -v go >/dev/null 2>&1; then command -v go
  elif [ -x /usr/local/go/bin/go ]; then printf '%s\n' /usr/local/go/bin/go
  else die "go not found (set GO=/path/to/go)"
  fi
}

etcd_cmd() {
  if [ -n "${ETCD:-}" ]; then printf '%s\n' "$ETCD"
  elif command -v etcd >/dev/null 2>&1; then command -v etcd
  else die "etcd not found: apt-get install -y etcd-server (or set ETCD=/path/to/etcd)"
  fi
}

# ---------------------------------------------------------------------------------------
# build

cmd_build() {
  version=$(k8s_version)
  minor=$(printf '%s' "$version" | cut -d. -f2)
  out=$(cache_dir)
  go=$(go_cmd)
  pkg=k8s.io/component-base/version
  # -checklinkname=0: Kubernetes < 1.31 and some of its dependencies pull runtime symbols
  # with //go:linkname, which Go >= 1.23 rejects unless this check is switched off.
  ldflags="-s -w -checklinkname=0 -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  # The cache key: the Kubernetes version (folder) plus a stamp of everything that shapes the
  # binaries (go.mod, go.sum, Go toolchain, flags); a stale stamp triggers a rebuild.
  stamp="$(cat "$KUBE_MOD/go.mod" "$KUBE_MOD/go.sum" | sha256sum | cut -c1-16) $("$go" env GOVERSION) CGO_ENABLED=0 -trimpath $ldflags"
  if [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] && [ -x "$out/kube-scheduler" ] && [ -x "$out/kubectl" ] &&
    [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "using cached Kubernetes v$version binaries in $out"
    printf '%s\n' "$out"
    return 0
  fi
  log "building kube-apiserver, kube-controller-manager, kube-scheduler and kubectl v$version with $("$go" env GOVERSION) (first run: 10-30 minutes on 2 cores)"
  mkdir -p "$(dirname "$out")"
  tmp=$(mktemp -d "$(dirname "$out")/.build.XXXXXX")
  start=$(date +%s)
  if ! (cd "$KUBE_MOD" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" "$go" build -trimpath -ldflags="$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl); then
    rm -rf "$tmp"
    die "go build failed"
  fi
  printf '%s\n' "$stamp" >"$tmp/.stamp"
  rm -rf "$out"
  mv "$tmp" "$out"
  log "built in $(($(date +%s) - start))s into $out"
  printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------------------
# build --e2e: Kueue, JobSet, kwok

# module_dir MODULE@VERSION: download (or find) the module in the Go module cache, print its folder
module_dir() {
  (cd "${TMPDIR:-/tmp}" && GO111MODULE=on GOFLAGS=-mod=mod "$(go_cmd)" mod download -json "$1") |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p'
}

# build_controller NAME MODULE VERSION PACKAGE: build NAME from MODULE@VERSION into
# $(cache_root)/NAME-VERSION/NAME unless a binary with the same stamp is there; prints the binary.
# The module is downloaded from the proxy and built in its own folder of the module cache with
# its own go.mod/go.sum (what `go install MODULE/PACKAGE@VERSION` does; JobSet's version list
# is refused by the proxy, so `go install` cannot resolve it and this path serves all three).
# controller_stamp NAME MODULE VERSION PACKAGE: sets out (the cache folder) and stamp (what
# shaped the binary)
controller_stamp() {
  name=$1 module=$2 cversion=$3 pkg=$4
  go=$(go_cmd)
  out="$(cache_root)/$name-$cversion"
  # Default build flags, as `go install MODULE/PACKAGE@VERSION` uses them (a warm Go build
  # cache from such an install is reused).
  stamp="$module@$cversion $pkg $("$go" env GOVERSION) CGO_ENABLED=$("$go" env CGO_ENABLED)"
}

# controller_cached NAME MODULE VERSION PACKAGE: prints the cached binary; fails when there is none
controller_cached() {
  controller_stamp "$@"
  [ -x "$out/$name" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ] && printf '%s\n' "$out/$name"
}

build_controller() {
  if controller_cached "$@" >/dev/null; then
    log "using cached $name $cversion in $out"
    printf '%s\n' "$out/$name"
    return 0
  fi
  src=$(module_dir "$module@$cversion")
  if [ -z "$src" ] || [ ! -d "$src" ]; then die "go mod download $module@$cversion failed"; fi
  log "building $name $cversion from $module with $("$go" env GOVERSION)"
  mkdir -p "$(dirname "$out")"
  tmp=$(mktemp -d "$(dirname "$out")/.build.XXXXXX")
  start=$(date +%s)
  if ! (cd "$src" && GOFLAGS="-mod=readonly -buildvcs=false" "$go" build -o "$tmp/$name" "$pkg"); then
    rm -rf "$tmp"
    die "go build of $name failed"
  fi
  printf '%s\n' "$stamp" >"$tmp/.stamp"
  rm -rf "$out"
  mv "$tmp" "$out"
  log "built $name in $(($(date +%s) - start))s into $out"
  printf '%s\n' "$out/$name"
}

cmd_build_e2e() {
  cmd_build >/dev/null
  build_controller kueue sigs.k8s.io/kueue "$KUEUE_VERSION" ./cmd/kueue >/dev/null
  build_controller jobset sigs.k8s.io/jobset "$JOBSET_VERSION" . >/dev/null
  build_controller lws sigs.k8s.io/lws "$LWS_VERSION" ./cmd >/dev/null
  build_controller kwok sigs.k8s.io/kwok "$KWOK_VERSION" ./cmd/kwok >/dev/null
  cache_root
}

# build --argocd: the argocd multi-call binary (cmd/main.go); prints its path
cmd_build_argocd() {
  build_controller argocd github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" ./cmd
}

# ---------------------------------------------------------------------------------------
# helpers for start

# Any socket bound to the port counts, not only listeners: a client connection's local port
# (to the API server, etcd, ...) makes a later bind fail with "address already in use" too.
port_in_use() {
  hex=$(printf '%04X' "$1")
  # local address is the 2nd column, "ADDR:PORT" in hex
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p=":$hex" 'substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'
}

# Ports for our servers come from outside the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, 32768-60999 by default): the kernel hands those out as
# local ports of outgoing connections, and one taken between our check and the server's
# bind failed a CI run (LeaderWorkerSet's health port). Below the range when there is room
# there, else above it, else (a range spanning nearly everything) anywhere from 10000.
PORT_LOW=10000 PORT_COUNT=55536
# (cat, not read: dash's read of this /proc file returns garbage)
eph=$(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true)
eph_lo=${eph%%[!0-9]*} eph_hi=${eph##*[!0-9]}
if [ -n "$eph_lo" ] && [ -n "$eph_hi" ]; then
  if [ $((eph_lo - 10000)) -ge 2000 ]; then
    PORT_LOW=10000 PORT_COUNT=$((eph_lo - 10000))
  elif [ $((65535 - eph_hi)) -ge 2000 ]; then
    PORT_LOW=$((eph_hi + 1)) PORT_COUNT=$((65535 - eph_hi))
  fi
fi

TAKEN=""
free_port() {
  while :; do
    n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    p=$((PORT_LOW + n % PORT_COUNT))
    case " $TAKEN " in *" $p "*) continue ;; esac
    if ! port_in_use "$p"; then
      TAKEN="$TAKEN $p"
      printf '%s\n' "$p"
      return 0
    fi
  done
}

b64() { base64 | tr -d '\n'; }

gen_pki() {
  pki=$1
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3 \
      -keyout ca.key -out ca.crt -subj "/CN=cdk8s-ml-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
    # name  subject  extended key usage  subjectAltName
    while read -r name subj eku san; do
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
      {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        [ "$san" = "-" ] || echo "subjectAltName=$san"
      } >"$name.ext"
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3 \
        -extfile "$name.ext" -out "$name.crt" 2>/dev/null
      rm -f "$name.csr" "$name.ext"
    done <<EOF
apiserver /CN=kube-apiserver serverAuth IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
admin /O=system:masters/CN=cdk8s-ml-test clientAuth -
controller-manager /CN=system:kube-controller-manager clientAuth -
front-proxy-client /CN=front-proxy-client clientAuth -
scheduler /CN=system:kube-scheduler clientAuth -
webhook /CN=cdk8s-ml-test-webhooks serverAuth IP:127.0.0.1,DNS:localhost
EOF
    # service-account token signing key pair
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # file server user
  pki=$DIR/pki
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $2
    certificate-authority-data: $(b64 <"$pki/ca.crt")
users:
- name: $3
  user:
    client-certificate-data: $(b64 <"$pki/$3.crt")
    client-key-data: $(b64 <"$pki/$3.key")
contexts:
- name: local
  context:
    cluster: local
    user: $3
current-context: local
EOF
  chmod 600 "$1"
}

# launch NAME CMD...: start in the background, record the PID
launch() {
  name=$1
  shift
  "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  printf '%s %s\n' "$name" "$!" >>"$DIR/pids"
  eval "PID_$(printf '%s' "$name" | tr -c 'A-Za-z0-9' _)=\$!"
}

alive() { kill -0 "$1" 2>/dev/null; }

# wait_until NAME PID TIMEOUT CMD...: poll CMD until it succeeds; fail early if PID died
wait_until() {
  name=$1 pid=$2 timeout=$3
  shift 3
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$pid"; then
      log "$name exited; last lines of $DIR/logs/$name.log:"
      tail -n 30 "$DIR/logs/$name.log" >&2 || true
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$name not ready after ${timeout}s; last lines of $DIR/logs/$name.log:"
      tail -n 30 "$DIR/logs/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

api_get() { # path
  curl -sSf --max-time 5 --cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" --key "$DIR/pki/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

# ---------------------------------------------------------------------------------------
# start --e2e: kube-scheduler, Kueue, JobSet, kwok and simulated GPU nodes

kubectl_() { "$bin/kubectl" --kubeconfig="$DIR/kubeconfig" "$@"; }

# install_manifests NAME SRC_DIR PORT: `kubectl kustomize` a controller's component folder
# (crd or webhook) from its module source, point its webhooks at https://127.0.0.1:PORT,
# and apply the result server-side
install_manifests() {
  iname=$1 isrc=$2 iport=$3
  out="$DIR/$iname/$(basename "$isrc").yaml"
  "$bin/kubectl" kustomize "$isrc" |
    node "$HERE/../e2e/support/webhook-config.js" --url "https://127.0.0.1:$iport" --ca "$DIR/pki/ca.crt" --prefix "$iname-" >"$out" ||
    return 1
  kubectl_ apply --server-side --field-manager=cdk8s-ml-e2e -f "$out" >>"$DIR/logs/$iname-install.log" 2>&1
}

# Controller config files, in the projects' own Configuration APIs (config.kueue.x-k8s.io/v1beta2
# here; JobSet's and LWS's below): webhooks on 127.0.0.1 with our certificate, health on a
# loopback port, metrics off, no leader election, no internal cert management.
write_kueue_config() {
  cat >"$DIR/kueue/config.yaml" <<EOF
apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: kueue-system
health:
  healthProbeBindAddress: 127.0.0.1:$KUEUE_HEALTH_PORT
metrics:
  bindAddress: "0"
webhook:
  host: 127.0.0.1
  port: $KUEUE_WEBHOOK_PORT
  certDir: $DIR/pki/webhook-serving
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
integrations:
  frameworks:
  - batch/job
  - jobset.x-k8s.io/jobset
EOF
  # Kueue's LeaderWorkerSet integration only on request (CDK8S_ML_E2E_KUEUE_LWS=1): it turns on
  # Kueue's pod integration, and with Kueue 0.17's local-queue defaulting (locked on) every pod
  # without a queue label in a namespace with a LocalQueue named "default" (MlNamespace's
  # name, the fixtures') is then gated and queued by Kueue, the example app's un-queued
  # ModelServing Deployments included (they stay gated in app.test.ts).
  KUEUE_LWS=0
  if [ "$LWS_RUNNING" = 1 ] && [ "${CDK8S_ML_E2E_KUEUE_LWS:-0}" = 1 ]; then
    KUEUE_LWS=1
    printf '  - leaderworkerset.x-k8s.io/leaderworkerset\n' >>"$DIR/kueue/config.yaml"
  fi
}

# write_controller_config NAME API_VERSION HEALTH_PORT WEBHOOK_PORT: the Configuration of a
# controller-runtime based controller (JobSet config.jobset.x-k8s.io/v1alpha1, LWS
# config.lws.x-k8s.io/v1alpha1 share these fields) into $DIR/NAME/config.yaml.
write_controller_config() {
  cat >"$DIR/$1/config.yaml" <<EOF
apiVersion: $2
kind: Configuration
health:
  healthProbeBindAddress: 127.0.0.1:$3
metrics:
  bindAddress: "0"
webhook:
  host: 127.0.0.1
  port: $4
  certDir: $DIR/pki/webhook-serving
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
EOF
}

# run_controller NAME TITLE BIN VERSION API_VERSION HEALTH_PORT WEBHOOK_DIR WEBHOOK_PORT: write
# its config, start it, wait until ready, then register its webhooks.
run_controller() {
  rname=$1 rtitle=$2 rbin=$3 rversion=$4 rhealth=$6 rwebhooks=$7 rport=$8
  write_controller_config "$rname" "$5" "$rhealth" "$rport"
  launch "$rname" "$rbin" --config="$DIR/$rname/config.yaml" --kubeconfig="$DIR/kubeconfig"
  rpid=$!
  wait_until "$rname" "$rpid" 120 readyz "$rhealth" || die "$rtitle did not become ready"
  install_manifests "$rname" "$rwebhooks" "$rport" ||
    { tail -n 20 "$DIR/logs/$rname-install.log" >&2; die "registering the $rtitle webhooks failed"; }
  log "$rtitle $rversion ready (webhooks on 127.0.0.1:$rport)"
}

# Simulated nodes: GPU nodes with the labels and taint our pod templates select and tolerate
# (nvidia.com/gpu.product, the nvidia.com/gpu NoSchedule taint), and two CPU-only nodes.
# kwok manages the nodes labelled type=kwok.
write_nodes() {
  i=0
  while [ "$i" -lt "$GPU_NODES" ]; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: gpu-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: gpu-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    nvidia.com/gpu.present: "true"
    nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
    nvidia.com/gpu.count: "8"
spec:
  taints:
  - key: nvidia.com/gpu
    value: present
    effect: NoSchedule
status:
  allocatable: {cpu: "96", memory: 1536Gi, ephemeral-storage: 2Ti, pods: "110", nvidia.com/gpu: "8"}
  capacity: {cpu: "96", memory: 1536Gi, ephemeral-storage: 2Ti, pods: "110", nvidia.com/gpu: "8"}
EOF
    i=$((i + 1))
  done
  for i in 0 1; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: cpu-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: cpu-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
status:
  allocatable: {cpu: "32", memory: 128Gi, ephemeral-storage: 1Ti, pods: "110"}
  capacity: {cpu: "32", memory: 128Gi, ephemeral-storage: 1Ti, pods: "110"}
EOF
  done
}

nodes_ready() {
  [ "$(kubectl_ get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')" -eq "$((GPU_NODES + 2))" ]
}

readyz() { curl -sSf --max-time 2 "http://127.0.0.1:$1/readyz"; }

start_e2e() {
  GPU_NODES=${CDK8S_ML_E2E_GPU_NODES:-8}
  mkdir -p "$DIR/kueue" "$DIR/jobset" "$DIR/lws" "$DIR/kwok" "$DIR/pki/webhook-serving"
  # controller-runtime's webhook server reads tls.crt/tls.key from its certDir
  cp "$DIR/pki/webhook.crt" "$DIR/pki/webhook-serving/tls.crt"
  cp "$DIR/pki/webhook.key" "$DIR/pki/webhook-serving/tls.key"
  write_kubeconfig "$DIR/scheduler.kubeconfig" "$server" scheduler

  attempt=1
  while :; do
    SCHED_PORT=$(free_port)
    launch kube-scheduler "$bin/kube-scheduler" \
      --kubeconfig="$DIR/scheduler.kubeconfig" \
      --authentication-kubeconfig="$DIR/scheduler.kubeconfig" --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
      --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --cert-dir="$DIR/pki/scheduler-generated" \
      --leader-elect=false --profiling=false
    # shellcheck disable=SC2154
    if wait_until kube-scheduler "$PID_kube_scheduler" 120 curl -sSfk --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"; then break; fi
    if [ $attempt -ge 3 ] || ! grep -q 'address already in use' "$DIR/logs/kube-scheduler.log"; then die "kube-scheduler did not become healthy"; fi
    attempt=$((attempt + 1))
  done
  log "kube-scheduler ready"

  kueue_src=$(module_dir "sigs.k8s.io/kueue@$KUEUE_VERSION")
  jobset_src=$(module_dir "sigs.k8s.io/jobset@$JOBSET_VERSION")
  KUEUE_WEBHOOK_PORT=$(free_port) KUEUE_HEALTH_PORT=$(free_port)
  JOBSET_WEBHOOK_PORT=$(free_port) JOBSET_HEALTH_PORT=$(free_port)
  lws_src=$(module_dir "sigs.k8s.io/lws@$LWS_VERSION")
  LWS_WEBHOOK_PORT=$(free_port) LWS_HEALTH_PORT=$(free_port)
  kubectl_ create namespace kueue-system >/dev/null

  # CRDs from the controllers' own modules (the exact versions that run), their conversion
  # webhooks pointed at the controllers.
  install_manifests kueue "$kueue_src/config/components/crd" "$KUEUE_WEBHOOK_PORT" ||
    { tail -n 20 "$DIR/logs/kueue-install.log" >&2; die "installing the Kueue CRDs failed"; }
  JOBSET_RUNNING=0
  if install_manifests jobset "$jobset_src/config/components/crd" "$JOBSET_WEBHOOK_PORT"; then
    JOBSET_RUNNING=1
  else
    log "the JobSet $JOBSET_VERSION CRD does not install on Kubernetes v$(k8s_version) (see $DIR/logs/jobset-install.log); JobSet is not started"
  fi
  # LWS keeps its CRD in config/crd (with a conversion-webhook patch, pointed at the controller).
  LWS_RUNNING=0
  if install_manifests lws "$lws_src/config/crd" "$LWS_WEBHOOK_PORT"; then
    LWS_RUNNING=1
  else
    log "the LeaderWorkerSet $LWS_VERSION CRD does not install on Kubernetes v$(k8s_version) (see $DIR/logs/lws-install.log); LWS is not started"
  fi
  kubectl_ wait --for=condition=Established --timeout=60s crd --all >/dev/null

  write_kueue_config
  # With internalCertManagement off, Kueue v0.17 loads a metrics serving certificate from the
  # fixed path /etc/kueue/metrics/certs (a Secret mount in a real install) even when metrics
  # are off. It gets that path in a private mount namespace with an overlay of /etc whose
  # writable layer is in DIR: the host's /etc is untouched (needs root, as CI has).
  mkdir -p "$DIR/kueue/etc/upper/kueue/metrics/certs" "$DIR/kueue/etc/work"
  cp "$DIR/pki/webhook-serving/tls.crt" "$DIR/pki/webhook-serving/tls.key" "$DIR/kueue/etc/upper/kueue/metrics/certs/"
  command -v unshare >/dev/null 2>&1 || die "unshare not found (util-linux)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  launch kueue unshare --mount --propagation private sh -c \
    'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc && shift && exec "$@"' \
    kueue-etc "$DIR/kueue/etc" "$KUEUE_BIN" --config="$DIR/kueue/config.yaml" --kubeconfig="$DIR/kubeconfig" \
    --feature-gates=VisibilityOnDemand=false --zap-log-level=2
  # shellcheck disable=SC2154
  wait_until kueue "$PID_kueue" 120 readyz "$KUEUE_HEALTH_PORT" || die "Kueue did not become ready"
  install_manifests kueue "$kueue_src/config/components/webhook" "$KUEUE_WEBHOOK_PORT" ||
    { tail -n 20 "$DIR/logs/kueue-install.log" >&2; die "registering the Kueue webhooks failed"; }
  log "Kueue $KUEUE_VERSION ready (webhooks on 127.0.0.1:$KUEUE_WEBHOOK_PORT)"

  if [ "$JOBSET_RUNNING" = 1 ]; then
    run_controller jobset JobSet "$JOBSET_BIN" "$JOBSET_VERSION" config.jobset.x-k8s.io/v1alpha1 "$JOBSET_HEALTH_PORT" \
      "$jobset_src/config/components/webhook" "$JOBSET_WEBHOOK_PORT"
  fi
  # The LWS pod webhook is what gives group pods LWS_LEADER_ADDRESS, LWS_GROUP_SIZE and LWS_WORKER_INDEX.
  if [ "$LWS_RUNNING" = 1 ]; then
    run_controller lws LeaderWorkerSet "$LWS_BIN" "$LWS_VERSION" config.lws.x-k8s.io/v1alpha1 "$LWS_HEALTH_PORT" \
      "$lws_src/config/webhook" "$LWS_WEBHOOK_PORT"
  fi

  launch kwok "$KWOK_BIN" --kubeconfig="$DIR/kubeconfig" --config="$HERE/../e2e/kwok-stages.yaml" \
    --manage-nodes-with-label-selector=type=kwok --cidr=10.244.0.0/16 --node-ip=10.244.255.254 \
    --node-lease-duration-seconds=40
  write_nodes >"$DIR/kwok/nodes.yaml"
  kubectl_ create -f "$DIR/kwok/nodes.yaml" >/dev/null
  # shellcheck disable=SC2154
  wait_until kwok "$PID_kwok" 120 nodes_ready || die "the simulated nodes did not become Ready"
  log "kwok $KWOK_VERSION ready: $GPU_NODES GPU nodes (8 x nvidia.com/gpu each), 2 CPU nodes"
}

# ---------------------------------------------------------------------------------------
# start --argocd: Argo CD's repo server and application controller (with redis)
#
# The application controller serves its metrics on 0.0.0.0:<port> (hard-coded in
# controller/appcontroller.go), so the Argo CD processes run in a private network namespace
# whose only interface is its own loopback: redis, the repo server and the controller listen
# on 127.0.0.1 there (fixed ports, nothing can collide), and the API server is reached through
# a socat bridge: 127.0.0.1:API_PORT in the namespace -> a unix socket in DIR -> 127.0.0.1:API_PORT.
# Nothing listens outside loopback. Argo CD finds the cluster through ARGOCD_FAKE_IN_CLUSTER
# (the in-cluster destination https://kubernetes.default.svc uses $KUBECONFIG, as in Argo CD's
# own local runs, its Procfile). Git repositories are served as file:// URLs (as its own e2e
# fixture does); the tests create them.

ARGOCD_REDIS_PORT=6379
ARGOCD_REPO_PORT=8081
ARGOCD_METRICS_PORT=8082
ARGOCD_REPO_METRICS_PORT=8084

# in_argocd_ns CMD...: run CMD in the Argo CD network namespace
# shellcheck disable=SC2154 # PID_argocd_netns is set by launch via eval
in_argocd_ns() { nsenter --net="/proc/$PID_argocd_netns/ns/net" "$@"; }

crds_established() {
  for crd; do
    [ "$(kubectl_ get crd "$crd" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ] || return 1
  done
}

argocd_settings() {
  cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels: {app.kubernetes.io/name: argocd-cm, app.kubernetes.io/part-of: argocd}
data: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-rbac-cm
  namespace: argocd
  labels: {app.kubernetes.io/name: argocd-rbac-cm, app.kubernetes.io/part-of: argocd}
data: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: argocd-secret
  namespace: argocd
  labels: {app.kubernetes.io/name: argocd-secret, app.kubernetes.io/part-of: argocd}
type: Opaque
stringData:
  server.secretkey: $(openssl rand -hex 32)
---
# The project Applications name by default (argocd-server creates it in a real install; no
# argocd-server runs here).
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: default
  namespace: argocd
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
  clusterResourceWhitelist: [{group: '*', kind: '*'}]
EOF
}

start_argocd() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found (apt-get install -y redis-server)"
  command -v socat >/dev/null 2>&1 || die "socat not found (apt-get install -y socat)"
  command -v git >/dev/null 2>&1 || die "git not found (apt-get install -y git)"
  command -v ip >/dev/null 2>&1 || die "ip not found (apt-get install -y iproute2)"
  command -v nsenter >/dev/null 2>&1 || die "nsenter not found (util-linux)"
  a=$DIR/argocd
  mkdir -p "$a/bin" "$a/redis" "$a/tmp" "$a/tls" "$a/ssh" "$a/gpg"
  # argv[0] selects the component of the multi-call binary (cmd/main.go); the links' paths
  # name DIR, so `stop` recognises the processes as ours.
  ln -sf "$ARGOCD_BIN" "$a/bin/argocd-repo-server"
  ln -sf "$ARGOCD_BIN" "$a/bin/argocd-application-controller"
  argocd_src=$(module_dir "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION")

  # CRDs from the module that runs, then the settings the controller reads.
  kubectl_ create namespace argocd >/dev/null
  kubectl_ apply --server-side --field-manager=cdk8s-ml-e2e \
    -f "$argocd_src/manifests/crds/application-crd.yaml" -f "$argocd_src/manifests/crds/appproject-crd.yaml" \
    >>"$DIR/logs/argocd-install.log" 2>&1 || { tail -n 20 "$DIR/logs/argocd-install.log" >&2; die "installing the Argo CD CRDs failed"; }
  # (polled: kubectl 1.28's `wait` fails on a CRD that has no status conditions yet)
  # shellcheck disable=SC2154
  wait_until argocd-install "$PID_kube_apiserver" 60 crds_established applications.argoproj.io appprojects.argoproj.io ||
    die "the Argo CD CRDs did not become Established"
  argocd_settings >"$a/settings.yaml"
  kubectl_ apply --server-side --field-manager=cdk8s-ml-e2e -f "$a/settings.yaml" >>"$DIR/logs/argocd-install.log" 2>&1 ||
    { tail -n 20 "$DIR/logs/argocd-install.log" >&2; die "installing the Argo CD settings failed"; }

  # The network namespace, held by the bridge's inner end; then the outer end.
  # shellcheck disable=SC2016 # expanded by the inner shell
  launch argocd-netns unshare --net sh -c 'ip link set lo up && exec socat "TCP-LISTEN:$1,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$2"' \
    argocd-netns "$API_PORT" "$a/api.sock"
  launch argocd-api-bridge socat "UNIX-LISTEN:$a/api.sock,fork,unlink-early" "TCP:127.0.0.1:$API_PORT"
  # shellcheck disable=SC2154
  wait_until argocd-netns "$PID_argocd_netns" 30 in_argocd_ns "$bin/kubectl" --kubeconfig="$DIR/kubeconfig" get --raw /readyz ||
    die "the API server is not reachable from the Argo CD network namespace"

  launch argocd-redis nsenter --net="/proc/$PID_argocd_netns/ns/net" redis-server --bind 127.0.0.1 --port "$ARGOCD_REDIS_PORT" \
    --dir "$a/redis" --save '' --appendonly no --set-proc-title no --protected-mode yes
  # shellcheck disable=SC2154
  wait_until argocd-redis "$PID_argocd_redis" 30 in_argocd_ns redis-cli -p "$ARGOCD_REDIS_PORT" ping || die "redis did not start"

  launch argocd-repo-server env TMPDIR="$a/tmp" HOME="$a" ARGOCD_GPG_ENABLED=false \
    ARGOCD_TLS_DATA_PATH="$a/tls" ARGOCD_SSH_DATA_PATH="$a/ssh" ARGOCD_GNUPGHOME="$a/gpg" \
    nsenter --net="/proc/$PID_argocd_netns/ns/net" "$a/bin/argocd-repo-server" \
    --address 127.0.0.1 --port "$ARGOCD_REPO_PORT" --metrics-address 127.0.0.1 --metrics-port "$ARGOCD_REPO_METRICS_PORT" \
    --redis "127.0.0.1:$ARGOCD_REDIS_PORT" --disable-tls --loglevel info
  # shellcheck disable=SC2154
  wait_until argocd-repo-server "$PID_argocd_repo_server" 120 \
    in_argocd_ns curl -sSf --max-time 2 "http://127.0.0.1:$ARGOCD_REPO_METRICS_PORT/healthz" || die "the Argo CD repo server did not become ready"

  launch argocd-application-controller env HOME="$a" ARGOCD_FAKE_IN_CLUSTER=true KUBECONFIG="$DIR/kubeconfig" \
    ARGOCD_TLS_DATA_PATH="$a/tls" ARGOCD_SSH_DATA_PATH="$a/ssh" ARGOCD_RECONCILIATION_TIMEOUT="${CDK8S_ML_ARGOCD_RESYNC:-30s}" \
    nsenter --net="/proc/$PID_argocd_netns/ns/net" "$a/bin/argocd-application-controller" \
    --kubeconfig="$DIR/kubeconfig" --namespace=argocd --redis "127.0.0.1:$ARGOCD_REDIS_PORT" \
    --repo-server "127.0.0.1:$ARGOCD_REPO_PORT" --repo-server-plaintext --metrics-port "$ARGOCD_METRICS_PORT" \
    --operation-processors 4 --status-processors 4 --persist-resource-health --loglevel info
  # shellcheck disable=SC2154
  wait_until argocd-application-controller "$PID_argocd_application_controller" 120 \
    in_argocd_ns curl -sSf --max-time 2 "http://127.0.0.1:$ARGOCD_METRICS_PORT/healthz" || die "the Argo CD application controller did not become ready"
  log "Argo CD $ARGOCD_VERSION ready: application controller, repo server, redis (private network namespace)"
}

# ---------------------------------------------------------------------------------------
# start / stop

cmd_start() {
  DIR="" OWNER="" E2E=0 ARGOCD=0 LIFETIME=""
  while [ $# -gt 0 ]; do
    case $1 in
      --e2e) E2E=1; shift ;;
      --argocd) ARGOCD=1; shift ;;
      --lifetime) LIFETIME=$2; shift 2 ;;
      --owner-pid) OWNER=$2; shift 2 ;;
      --owner-pid=*) OWNER=${1#*=}; shift ;;
      -*) die "unknown option $1" ;;
      *) DIR=$1; shift ;;
    esac
  done
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
  command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install -y curl)"
  etcd=$(etcd_cmd)
  bin=$(cmd_build)
  if [ "$E2E" = 1 ]; then
    command -v node >/dev/null 2>&1 || die "node not found (the e2e tier rewrites webhook manifests with node)"
    KUEUE_BIN=$(build_controller kueue sigs.k8s.io/kueue "$KUEUE_VERSION" ./cmd/kueue)
    JOBSET_BIN=$(build_controller jobset sigs.k8s.io/jobset "$JOBSET_VERSION" .)
    LWS_BIN=$(build_controller lws sigs.k8s.io/lws "$LWS_VERSION" ./cmd)
    KWOK_BIN=$(build_controller kwok sigs.k8s.io/kwok "$KWOK_VERSION" ./cmd/kwok)
  fi
  if [ "$ARGOCD" = 1 ]; then
    [ "$E2E" = 1 ] || die "--argocd needs --e2e"
    ARGOCD_BIN=$(cmd_build_argocd)
  fi
  if [ -z "$DIR" ]; then DIR=$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-ml-cluster.XXXXXX"); fi
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  [ ! -s "$DIR/pids" ] || die "$DIR/pids exists: a control plane may already run there (provision.sh stop $DIR)"
  : >"$DIR/pids"
  mkdir -p "$DIR/logs"
  # Anything that fails from here on stops what was started.
  trap 'status=$?; if [ "$status" -ne 0 ]; then log "start failed; stopping what was started"; KEEP_CLUSTER_DIR=1 stop_dir "$DIR"; fi' EXIT
  trap 'exit 130' INT TERM
  t0=$(date +%s)

  gen_pki "$DIR/pki"

  attempt=1
  while :; do
    ETCD_PORT=$(free_port) ETCD_PEER_PORT=$(free_port)
    launch etcd "$etcd" --name=cdk8s-ml-test --data-dir="$DIR/etcd" \
      --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster="cdk8s-ml-test=http://127.0.0.1:$ETCD_PEER_PORT" \
      --unsafe-no-fsync=true --quota-backend-bytes=2147483648 --log-level=warn
    # shellcheck disable=SC2154 # PID_etcd is set by launch via eval
    if wait_until etcd "$PID_etcd" 60 curl -sSf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"; then break; fi
    if [ $attempt -ge 3 ] || ! grep -q 'address already in use' "$DIR/logs/etcd.log"; then die "etcd did not start"; fi
    attempt=$((attempt + 1))
    rm -rf "$DIR/etcd"
  done
  log "etcd ready on 127.0.0.1:$ETCD_PORT"

  attempt=1
  while :; do
    API_PORT=$(free_port)
    launch kube-apiserver "$bin/kube-apiserver" \
      --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --cert-dir="$DIR/pki/apiserver-generated" \
      --tls-cert-file="$DIR/pki/apiserver.crt" --tls-private-key-file="$DIR/pki/apiserver.key" \
      --client-ca-file="$DIR/pki/ca.crt" \
      --requestheader-client-ca-file="$DIR/pki/ca.crt" --requestheader-allowed-names=front-proxy-client \
      --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
      --requestheader-extra-headers-prefix=X-Remote-Extra- \
      --proxy-client-cert-file="$DIR/pki/front-proxy-client.crt" --proxy-client-key-file="$DIR/pki/front-proxy-client.key" \
      --service-account-issuer=https://kubernetes.default.svc.cluster.local \
      --service-account-key-file="$DIR/pki/sa.pub" --service-account-signing-key-file="$DIR/pki/sa.key" \
      --service-cluster-ip-range="$SERVICE_CIDR" \
      --authorization-mode=RBAC \
      --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,Priority,DefaultTolerationSeconds,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
      --allow-privileged=false \
      --endpoint-reconciler-type=none \
      --profiling=false
    # shellcheck disable=SC2154
    if wait_until kube-apiserver "$PID_kube_apiserver" 180 api_get /readyz; then break; fi
    if [ $attempt -ge 3 ] || ! grep -q 'address already in use' "$DIR/logs/kube-apiserver.log"; then die "kube-apiserver did not become ready"; fi
    attempt=$((attempt + 1))
  done
  server="https://127.0.0.1:$API_PORT"
  write_kubeconfig "$DIR/kubeconfig" "$server" admin
  write_kubeconfig "$DIR/controller-manager.kubeconfig" "$server" controller-manager
  log "kube-apiserver ready on $server"

  attempt=1
  while :; do
    KCM_PORT=$(free_port)
    launch kube-controller-manager "$bin/kube-controller-manager" \
      --kubeconfig="$DIR/controller-manager.kubeconfig" \
      --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" \
      --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
      --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DIR/pki/controller-manager-generated" \
      --controllers='*' --leader-elect=false --use-service-account-credentials=true \
      --service-account-private-key-file="$DIR/pki/sa.key" --root-ca-file="$DIR/pki/ca.crt" \
      --cluster-signing-cert-file="$DIR/pki/ca.crt" --cluster-signing-key-file="$DIR/pki/ca.key" \
      --service-cluster-ip-range="$SERVICE_CIDR" \
      --profiling=false
    # shellcheck disable=SC2154
    if wait_until kube-controller-manager "$PID_kube_controller_manager" 120 \
      curl -sSfk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"; then break; fi
    if [ $attempt -ge 3 ] || ! grep -q 'address already in use' "$DIR/logs/kube-controller-manager.log"; then die "kube-controller-manager did not become healthy"; fi
    attempt=$((attempt + 1))
  done
  # Controllers are running once the service-account controller has created "default".
  wait_until kube-controller-manager "$PID_kube_controller_manager" 60 \
    api_get /api/v1/namespaces/default/serviceaccounts/default || die "controllers did not create the default service account"
  log "kube-controller-manager ready (controllers=*)"
  if [ "$E2E" = 1 ]; then start_e2e; fi
  if [ "$ARGOCD" = 1 ]; then start_argocd; fi

  {
    echo "KUBECONFIG=$DIR/kubeconfig"
    echo "KUBE_APISERVER=$server"
    echo "KUBE_VERSION=v$(k8s_version)"
    echo "ETCD_ENDPOINT=http://127.0.0.1:$ETCD_PORT"
    echo "KUBECTL=$bin/kubectl"
    if [ "$E2E" = 1 ]; then
      echo "E2E=1"
      echo "KUEUE_VERSION=$KUEUE_VERSION"
      echo "JOBSET_VERSION=$JOBSET_VERSION"
      echo "JOBSET_RUNNING=$JOBSET_RUNNING"
      echo "LWS_VERSION=$LWS_VERSION"
      echo "LWS_RUNNING=$LWS_RUNNING"
      echo "KUEUE_LWS=$KUEUE_LWS"
      echo "KWOK_VERSION=$KWOK_VERSION"
      echo "GPU_NODES=$GPU_NODES"
    fi
    if [ "$ARGOCD" = 1 ]; then
      echo "ARGOCD=1"
      echo "ARGOCD_VERSION=$ARGOCD_VERSION"
    fi
  } >"$DIR/env"

  if [ -n "$OWNER" ]; then
    # Watchdog: stops the control plane when the owning process goes away without calling stop.
    # shellcheck disable=SC2016 # the inner script expands its own positional parameters
    nohup sh -c 'while kill -0 "$1" 2>/dev/null && [ -s "$3/pids" ]; do sleep 1; done; [ -s "$3/pids" ] && exec "$2" stop "$3"' \
      watchdog "$OWNER" "$HERE/provision.sh" "$DIR" >"$DIR/logs/watchdog.log" 2>&1 </dev/null &
  fi
  if [ -n "$LIFETIME" ]; then
    # Watchdog for a control plane without an owner (`up`): stopped after LIFETIME seconds.
    # shellcheck disable=SC2016
    nohup sh -c 'end=$(($(date +%s) + $1)); while [ "$(date +%s)" -lt "$end" ] && [ -s "$3/pids" ]; do sleep 5; done; [ -s "$3/pids" ] && exec "$2" stop "$3"' \
      lifetime "$LIFETIME" "$HERE/provision.sh" "$DIR" >"$DIR/logs/lifetime.log" 2>&1 </dev/null &
  fi
  trap - EXIT INT TERM
  log "control plane up in $(($(date +%s) - t0))s; state in $DIR"
  printf '%s\n' "$DIR/kubeconfig"
}

# stop_dir DIR: TERM every recorded process (newest first), KILL after 15s, verify they are gone
stop_dir() {
  dir=$1
  [ -f "$dir/pids" ] || return 0
  pids=$(awk '{ print $2 }' "$dir/pids" | sort -rn)
  # Reverse start order (controller-manager, apiserver, etcd); only processes whose command
  # line mentions DIR are ours (guards against a recycled PID).
  order=$(awk '{ a[NR] = $2 } END { for (i = NR; i > 0; i--) print a[i] }' "$dir/pids")
  for pid in $order; do
    if alive "$pid" && grep -q "$dir" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      n=0
      while alive "$pid" && [ $n -lt 75 ]; do sleep 0.2; n=$((n + 1)); done
      if alive "$pid"; then log "pid $pid ignored TERM; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  done
  for pid in $pids; do
    if alive "$pid" && grep -q "$dir" "/proc/$pid/cmdline" 2>/dev/null; then log "warning: pid $pid still running"; fi
  done
  : >"$dir/pids"
  if [ "${KEEP_CLUSTER_DIR:-0}" = 1 ]; then
    log "stopped; state kept in $dir"
  else
    rm -rf "$dir"
    log "stopped; removed $dir"
  fi
}

cmd_stop() {
  [ $# -eq 1 ] || die "usage: provision.sh stop DIR"
  [ -d "$1" ] || { log "$1 does not exist; nothing to stop"; return 0; }
  stop_dir "$(cd "$1" && pwd)"
}

cmd_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: provision.sh run -- CMD [ARGS...]"
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-ml-cluster.XXXXXX")
  trap 'stop_dir "$dir"' EXIT
  trap 'exit 130' INT TERM
  kubeconfig=$(cmd_start "$dir" --owner-pid $$)
  set +e
  KUBECONFIG=$kubeconfig CDK8S_ML_CLUSTER_KUBECONFIG=$kubeconfig CDK8S_ML_CLUSTER_DIR=$dir "$@"
  status=$?
  set -e
  return $status
}

e2e_dir() { printf '%s\n' "${CDK8S_ML_E2E_DIR:-${TMPDIR:-/tmp}/cdk8s-ml-e2e-$(id -u)}"; }

cmd_up() {
  dir=$(e2e_dir)
  if [ -s "$dir/pids" ]; then die "a control plane already runs in $dir (npm run cluster:down)"; fi
  rm -rf "$dir"
  kubeconfig=$(cmd_start "$dir" --e2e --lifetime "${CDK8S_ML_E2E_LIFETIME:-14400}")
  log "stop it with: npm run cluster:down (or $HERE/provision.sh stop $dir)"
  printf 'KUBECONFIG=%s\n' "$kubeconfig"
}

cmd_down() { cmd_stop "$(e2e_dir)"; }

case ${1:-} in
  build)
    shift
    case ${1:-} in
      --e2e) cmd_build_e2e ;;
      --argocd) cmd_build_argocd ;;
      *) cmd_build "$@" ;;
    esac ;;
  cached)
    # cached --argocd: the cached Argo CD binary's path, or exit 1 when it is not built
    shift
    [ "${1:-}" = --argocd ] || die "usage: provision.sh cached --argocd"
    controller_cached argocd github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" ./cmd ;;
  up) shift; cmd_up ;;
  down) shift; cmd_down ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
