#!/bin/sh
# Local Kubernetes control plane for the cluster test tier (GitHub issue 9).
#
# Builds kube-apiserver and kube-controller-manager from the k8s.io/kubernetes Go module
# pinned in test/cluster/kube/go.mod, caches them outside the repository keyed by version,
# and runs etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 (free ports, state
# in a temporary directory). There is no scheduler and no kubelet: pods stay Pending.
#
# Usage:
#   provision.sh build                        build or reuse the cached binaries; prints their folder
#   provision.sh start [DIR] [--owner-pid P]  start a control plane with its state in DIR (default:
#                                             a new temporary folder); prints the kubeconfig path.
#                                             With --owner-pid, everything is stopped when process P
#                                             exits (guards against orphans if the caller crashes).
#   provision.sh stop DIR                     stop everything `start DIR` started, remove DIR
#   provision.sh run -- CMD [ARGS...]         start, run CMD with KUBECONFIG (and CDK8S_ML_CLUSTER_KUBECONFIG,
#                                             CDK8S_ML_CLUSTER_DIR) set, stop (trap on exit)
#
# Environment:
#   CDK8S_ML_CLUSTER_CACHE  binary cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-ml-cluster)
#   GO                      go command (default: go on PATH, else /usr/local/go/bin/go)
#   ETCD                    etcd binary (default: etcd on PATH; Debian: apt-get install -y etcd-server)
#   KEEP_CLUSTER_DIR=1      `stop` keeps DIR (logs) instead of removing it
#   CDK8S_ML_CLUSTER_K8S    another Kubernetes minor with a module in test/cluster/kube-<minor>
#                           (1.33); default: test/cluster/kube (1.28)
#
# Needs: go (>= 1.24), etcd, openssl, curl.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# Default: Kubernetes 1.28 (test/cluster/kube). CDK8S_ML_CLUSTER_K8S=1.33 selects test/cluster/kube-1.33.
KUBE_MOD="$HERE/kube${CDK8S_ML_CLUSTER_K8S:+-$CDK8S_ML_CLUSTER_K8S}"
SERVICE_CIDR=10.96.0.0/16
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

cache_dir() {
  printf '%s/%s\n' "${CDK8S_ML_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-ml-cluster}" "$(k8s_version)"
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
  if [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] &&
    [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "using cached Kubernetes v$version binaries in $out"
    printf '%s\n' "$out"
    return 0
  fi
  log "building kube-apiserver and kube-controller-manager v$version with $("$go" env GOVERSION) (first run: 10-30 minutes on 2 cores)"
  mkdir -p "$(dirname "$out")"
  tmp=$(mktemp -d "$(dirname "$out")/.build.XXXXXX")
  start=$(date +%s)
  if ! (cd "$KUBE_MOD" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" "$go" build -trimpath -ldflags="$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager); then
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
# helpers for start

port_in_use() {
  hex=$(printf '%04X' "$1")
  # state 0A = LISTEN; local address is the 2nd column, "ADDR:PORT" in hex
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'
}

TAKEN=""
free_port() {
  while :; do
    n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    p=$((20000 + n % 40000))
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
# start / stop

cmd_start() {
  DIR="" OWNER=""
  while [ $# -gt 0 ]; do
    case $1 in
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

  {
    echo "KUBECONFIG=$DIR/kubeconfig"
    echo "KUBE_APISERVER=$server"
    echo "KUBE_VERSION=v$(k8s_version)"
    echo "ETCD_ENDPOINT=http://127.0.0.1:$ETCD_PORT"
  } >"$DIR/env"

  if [ -n "$OWNER" ]; then
    # Watchdog: stops the control plane when the owning process goes away without calling stop.
    # shellcheck disable=SC2016 # the inner script expands its own positional parameters
    nohup sh -c 'while kill -0 "$1" 2>/dev/null && [ -s "$3/pids" ]; do sleep 1; done; [ -s "$3/pids" ] && exec "$2" stop "$3"' \
      watchdog "$OWNER" "$HERE/provision.sh" "$DIR" >"$DIR/logs/watchdog.log" 2>&1 </dev/null &
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

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
