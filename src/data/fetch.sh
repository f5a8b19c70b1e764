#!/bin/sh
# fetch.sh - the program run by the DatasetInit init container (cdk8s-ml).
#
# Fetches a dataset or model into "$FETCH_ROOT/data" exactly once per source
# fingerprint: staged download (per pod), HTTP resume, bounded retries with
# backoff, stall detection, sha256 verification, archive extraction, atomic
# publish, completion marker, and a mkdir-based lock with a heartbeat lease so
# that pods sharing a volume download only once.
#
# POSIX sh (dash, busybox ash). Configured only through FETCH_* environment
# variables; the contract (variables, layout, exit codes) is in FETCH.md.
# Nothing here evaluates configuration values as code.

set -u
umask 022

# --- exit codes (keep in sync with exit-codes.ts and FETCH.md) ---------------
EX_NETWORK=10       # retryable: connection refused/reset/cut, DNS, truncated body
EX_HTTP_5XX=11      # retryable: HTTP 5xx, 408, 429
EX_STALL=12         # retryable: no progress for FETCH_STALL_SECONDS
EX_LOCK=13          # retryable: lock wait timeout, or the lock was lost
EX_CHECKSUM=20      # permanent: sha256 or manifest mismatch
EX_HTTP_4XX=21      # permanent: HTTP 4xx, source not found, access denied
EX_ARCHIVE=22       # permanent: archive cannot be extracted or is unsafe
EX_SPACE=23         # permanent: not enough free space, write error
EX_CONFIG=24        # permanent: bad configuration, volume not writable
EX_TLS=25           # permanent: TLS certificate verification failed

# --- logging -------------------------------------------------------------------
log() { printf 'fetch: %s\n' "$*"; }
warn() { printf 'fetch: warning: %s\n' "$*" >&2; }
die() {
  _code=$1
  shift
  printf 'fetch: error: %s (exit %s)\n' "$*" "$_code" >&2
  exit "$_code"
}

# --- small helpers -------------------------------------------------------------
now() { date +%s; }

# is_uint VALUE: decimal digits only, at most 18 of them (fits shell arithmetic).
is_uint() {
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  [ "${#1}" -le 18 ]
}

# The helpers below return through globals (_v, _size, _l, _sum) rather than
# $(...), so the common path forks as few processes as possible: on a busy node
# every fork+exec costs milliseconds.

# uint_env NAME VALUE DEFAULT: sets _v to VALUE (or DEFAULT when empty) without
# leading zeros (dash reads 010 as octal), or exits 24 when it is not a number.
uint_env() {
  _v=$2
  [ -n "$_v" ] || _v=$3
  is_uint "$_v" || die "$EX_CONFIG" "$1 must be a non-negative integer, got '$_v'"
  while :; do
    case $_v in 0?*) _v=${_v#0} ;; *) break ;; esac
  done
}

# get_size FILE: sets _size to the size of FILE in bytes, 0 when absent.
get_size() {
  _size=0
  [ -f "$1" ] || return 0
  _size=$(stat -c %s "$1" 2>/dev/null) || _size=$(wc -c <"$1" | tr -d ' ')
  is_uint "$_size" || _size=0
}

# read_first FILE: sets _l to the first line of FILE ("" when absent); builtins only.
read_first() {
  _l=
  if [ -f "$1" ]; then IFS= read -r _l 2>/dev/null <"$1" || :; fi
}

# sha256_of FILE: sets _sum to the lowercase hex digest. openssl is several times
# faster than coreutils/busybox sha256sum (SHA-NI), so it is preferred when present.
sha256_of() {
  _sum=
  if command -v openssl >/dev/null 2>&1; then
    _sum=$(openssl dgst -sha256 -r "$1" 2>/dev/null) || _sum=
  fi
  if [ -z "$_sum" ]; then
    _sum=$(sha256sum "$1") || return 1
  fi
  _sum=${_sum%%[ *]*}
  case $_sum in *[A-F]*) _sum=$(printf '%s' "$_sum" | tr 'A-F' 'a-f') ;; esac
}

# sanitize VALUE: sets _v to VALUE with every byte outside [A-Za-z0-9._-] as '_'.
sanitize() {
  _v=$1
  case $_v in *[!A-Za-z0-9._-]*) _v=$(printf '%s' "$_v" | tr -c 'A-Za-z0-9._-' '_') ;; esac
}

# interruptible sleep: a trapped SIGTERM interrupts `wait` at once.
nap() {
  sleep "$1" >/dev/null 2>&1 &
  wait "$!" || :
}

# mb_per_s BYTES SECONDS: "12.3" (decimal megabytes per second).
mb_per_s() {
  _s=$2
  [ "$_s" -gt 0 ] || _s=1
  _t=$(($1 * 10 / (_s * 1000000)))
  printf '%s.%s' "$((_t / 10))" "$((_t % 10))"
}

# --- configuration --------------------------------------------------------------
SOURCE=${FETCH_SOURCE:-http}
URL=${FETCH_URL:-}
SHA256=${FETCH_SHA256:-}
case $SHA256 in *[A-F]*) SHA256=$(printf '%s' "$SHA256" | tr 'A-F' 'a-f') ;; esac
MANIFEST=${FETCH_SHA256_MANIFEST:-}
EXTRACT=${FETCH_EXTRACT:-none}
ROOT=${FETCH_ROOT:-}
REVISION=${FETCH_REVISION:-}
HF_REPO_TYPE=${FETCH_HF_REPO_TYPE:-}
INCLUDE=${FETCH_INCLUDE:-}
HEADERS_FILE=${FETCH_HEADERS_FILE:-}
FILENAME=${FETCH_FILENAME:-}
EXPECTED_BYTES=${FETCH_EXPECTED_BYTES:-}
uint_env FETCH_RETRIES "${FETCH_RETRIES:-}" 5
RETRIES=$_v
uint_env FETCH_MAX_ATTEMPTS "${FETCH_MAX_ATTEMPTS:-}" 100
MAX_ATTEMPTS=$_v
uint_env FETCH_BACKOFF_SECONDS "${FETCH_BACKOFF_SECONDS:-}" 2
BACKOFF=$_v
uint_env FETCH_BACKOFF_MAX_SECONDS "${FETCH_BACKOFF_MAX_SECONDS:-}" 60
BACKOFF_MAX=$_v
uint_env FETCH_STALL_SECONDS "${FETCH_STALL_SECONDS:-}" 60
STALL=$_v
uint_env FETCH_CONNECT_TIMEOUT_SECONDS "${FETCH_CONNECT_TIMEOUT_SECONDS:-}" 30
CONNECT_TIMEOUT=$_v
uint_env FETCH_PROGRESS_SECONDS "${FETCH_PROGRESS_SECONDS:-}" 10
PROGRESS=$_v
uint_env FETCH_LOCK_STALE_SECONDS "${FETCH_LOCK_STALE_SECONDS:-}" 120
LEASE=$_v
uint_env FETCH_LOCK_WAIT_SECONDS "${FETCH_LOCK_WAIT_SECONDS:-}" 0
LOCK_WAIT=$_v
FSYNC=${FETCH_FSYNC:-1}

NL='
'
case $SOURCE in
  http | s3 | gcs | hf) ;;
  *) die "$EX_CONFIG" "FETCH_SOURCE must be http, s3, gcs or hf, got '$SOURCE'" ;;
esac
[ -n "$URL" ] || die "$EX_CONFIG" "FETCH_URL is required"
case $URL in *"$NL"*) die "$EX_CONFIG" "FETCH_URL must be a single line" ;; esac
case $EXTRACT in
  none | tar | tar.gz | zip) ;;
  tgz) EXTRACT=tar.gz ;;
  *) die "$EX_CONFIG" "FETCH_EXTRACT must be none, tar, tar.gz or zip, got '$EXTRACT'" ;;
esac
if [ -n "$SHA256" ]; then
  case $SHA256 in
    *[!0-9a-f]*) die "$EX_CONFIG" "FETCH_SHA256 must be 64 hex digits, got '$SHA256'" ;;
  esac
  [ "${#SHA256}" -eq 64 ] || die "$EX_CONFIG" "FETCH_SHA256 must be 64 hex digits, got '$SHA256'"
fi
case $ROOT in
  '') die "$EX_CONFIG" "FETCH_ROOT is required" ;;
  *"$NL"*) die "$EX_CONFIG" "FETCH_ROOT must be a single line" ;;
  /) die "$EX_CONFIG" "FETCH_ROOT must not be /" ;;
  /*) ROOT=${ROOT%/} ;;
  *) die "$EX_CONFIG" "FETCH_ROOT must be an absolute path, got '$ROOT'" ;;
esac
if [ -n "$EXPECTED_BYTES" ]; then
  uint_env FETCH_EXPECTED_BYTES "$EXPECTED_BYTES" 0
  EXPECTED_BYTES=$_v
fi
[ "$STALL" -ge 1 ] || die "$EX_CONFIG" "FETCH_STALL_SECONDS must be at least 1"
[ "$LEASE" -ge 1 ] || die "$EX_CONFIG" "FETCH_LOCK_STALE_SECONDS must be at least 1"
[ "$MAX_ATTEMPTS" -ge 1 ] || die "$EX_CONFIG" "FETCH_MAX_ATTEMPTS must be at least 1"
case $FSYNC in
  1 | true) FSYNC=1 ;;
  0 | false) FSYNC=0 ;;
  *) die "$EX_CONFIG" "FETCH_FSYNC must be 1 or 0, got '$FSYNC'" ;;
esac
if [ -n "$HEADERS_FILE" ] && [ ! -r "$HEADERS_FILE" ]; then
  die "$EX_CONFIG" "FETCH_HEADERS_FILE '$HEADERS_FILE' is not readable"
fi
case $MANIFEST in
  '' | /*) ;;
  *"$NL"* | ../* | */../* | *..) die "$EX_CONFIG" "FETCH_SHA256_MANIFEST must not leave the data directory" ;;
esac
if [ -n "$MANIFEST" ] && [ "${MANIFEST#/}" != "$MANIFEST" ] && [ ! -r "$MANIFEST" ]; then
  die "$EX_CONFIG" "FETCH_SHA256_MANIFEST '$MANIFEST' is not readable"
fi

# Source-specific settings. HTTP and single objects from s3/gcs may carry a
# sha256 and be archives; Hugging Face repos are directory trees (manifest only).
case $SOURCE in
  http)
    case $URL in
      http://* | https://* | HTTP://* | HTTPS://*) ;;
      *) die "$EX_CONFIG" "FETCH_URL must be an http(s) URL for FETCH_SOURCE=http" ;;
    esac
    ;;
  s3)
    case $URL in s3://*) URL=":s3:${URL#s3://}" ;; esac
    ;;
  gcs)
    case $URL in
      gs://*) URL=":gcs:${URL#gs://}" ;;
      gcs://*) URL=":gcs:${URL#gcs://}" ;;
    esac
    ;;
  hf)
    URL=${URL#hf://}
    case $URL in
      '' | /* | */ | *[!A-Za-z0-9._/-]* | *//* | *..*) die "$EX_CONFIG" "FETCH_URL must be a Hugging Face repo id like org/name, got '$URL'" ;;
    esac
    [ -z "$SHA256" ] || die "$EX_CONFIG" "FETCH_SHA256 is not supported for FETCH_SOURCE=hf; use FETCH_SHA256_MANIFEST"
    [ "$EXTRACT" = none ] || die "$EX_CONFIG" "FETCH_EXTRACT is not supported for FETCH_SOURCE=hf"
    case $HF_REPO_TYPE in '' | model | dataset | space) ;; *) die "$EX_CONFIG" "FETCH_HF_REPO_TYPE must be model, dataset or space" ;; esac
    case $REVISION in *[!A-Za-z0-9._/-]*) die "$EX_CONFIG" "FETCH_REVISION has unexpected characters: '$REVISION'" ;; esac
    ;;
esac

# FETCH_INCLUDE: newline-separated glob patterns (hf only); blank lines are skipped.
# Split on newlines only, with globbing off, so patterns reach the CLI verbatim.
INCLUDE_N=0
if [ -n "$INCLUDE" ]; then
  [ "$SOURCE" = hf ] || die "$EX_CONFIG" "FETCH_INCLUDE is only supported for FETCH_SOURCE=hf"
  _ifs=$IFS
  IFS=$NL
  set -f
  for _p in $INCLUDE; do
    case $_p in
      -*) die "$EX_CONFIG" "FETCH_INCLUDE patterns must not start with '-', got '$_p'" ;;
    esac
    INCLUDE_N=$((INCLUDE_N + 1))
  done
  set +f
  IFS=$_ifs
fi

# File name of a single downloaded object (HTTP): FETCH_FILENAME or the last
# path segment of the URL, reduced to [A-Za-z0-9._-].
if [ -z "$FILENAME" ] && [ "$SOURCE" = http ]; then
  _p=${URL#*://}
  _p=${_p%%\#*}
  _p=${_p%%\?*}
  case $_p in */*) FILENAME=${_p##*/} ;; *) FILENAME= ;; esac
fi
sanitize "$FILENAME"
FILENAME=$_v
case $FILENAME in '' | . | ..) FILENAME=download ;; esac

# Fingerprint of the source; the construct normally computes it. The default
# ignores the URL when a sha256 pins the content (presigned URLs rotate).
FINGERPRINT=${FETCH_FINGERPRINT:-}
if [ -z "$FINGERPRINT" ]; then
  if [ -n "$SHA256" ]; then
    FINGERPRINT=$(printf 'v1\n%s\n%s\n%s\n%s\n' "$SOURCE" "$SHA256" "$EXTRACT" "$FILENAME" | sha256sum)
  else
    FINGERPRINT=$(printf 'v1\n%s\n%s\n%s\n%s\n%s\n%s\n' "$SOURCE" "$URL" "$EXTRACT" "$FILENAME" "$REVISION" "$MANIFEST" | sha256sum)
  fi
  FINGERPRINT=${FINGERPRINT%% *}
  if [ "$INCLUDE_N" -gt 0 ]; then # only then, so fingerprints without patterns stay as they were
    FINGERPRINT=$(printf '%s\ninclude\n%s\n' "$FINGERPRINT" "$INCLUDE" | sha256sum)
    FINGERPRINT=${FINGERPRINT%% *}
  fi
fi
case $FINGERPRINT in *"$NL"*) die "$EX_CONFIG" "FETCH_FINGERPRINT must be a single line" ;; esac

POD_ID=${FETCH_POD_ID:-}
[ -n "$POD_ID" ] || POD_ID="$(uname -n 2>/dev/null || echo pod)-$$"
sanitize "$POD_ID"
POD_ID=$_v
case $POD_ID in . | ..) POD_ID="pod-$$" ;; esac

DATA="$ROOT/data"
MARKER="$ROOT/.complete"
LOCK="$ROOT/.lock"
STAGING="$ROOT/.staging"
STAGE="$STAGING/$POD_ID"
DL="$STAGE/dl"
OUT="$STAGE/out"
PARTIAL="$DL/$FILENAME"

HB_INTERVAL=$((LEASE / 4))
[ "$HB_INTERVAL" -ge 1 ] || HB_INTERVAL=1
START_TIME=0 # set after the warm-start check, which must stay fork-free

# --- warm start ---------------------------------------------------------------------
# Constant time: one read of the marker, no hashing of the data.
marker_matches() {
  read_first "$MARKER"
  [ "$_l" = "fingerprint=$FINGERPRINT" ] && [ -d "$DATA" ]
}

# --- lock: a directory created with mkdir (atomic, NFS too), no flock ---------------
HAVE_LOCK=0
LOCK_TOKEN=
MON_PID=
CHILD_PID=

write_heartbeat() { # $1: sequence number
  read_first "$LOCK/token"
  [ "$_l" = "$LOCK_TOKEN" ] || return 1
  printf '%s %s\n' "$(now)" "$1" >"$LOCK/.hb.$POD_ID" 2>/dev/null &&
    mv -f "$LOCK/.hb.$POD_ID" "$LOCK/heartbeat" 2>/dev/null
}

try_lock() {
  if ! mkdir "$LOCK" 2>/dev/null; then
    [ -d "$LOCK" ] || [ -w "$ROOT" ] || die "$EX_CONFIG" "cannot create the lock in $ROOT (is the volume writable for this user?)"
    return 1
  fi
  LOCK_TOKEN="$POD_ID:$$:$START_TIME"
  HAVE_LOCK=1
  if ! printf '%s\n' "$POD_ID" >"$LOCK/owner" || ! printf '%s\n' "$LOCK_TOKEN" >"$LOCK/token" ||
    ! printf '%s 0\n' "$START_TIME" >"$LOCK/heartbeat"; then
    die "$EX_CONFIG" "cannot write the lock in $ROOT (is the volume writable for this user?)"
  fi
  return 0
}

# break_lock SEEN: removes the lock if its token and heartbeat are still SEEN;
# returns 0 when the lock is gone.
# A second mkdir mutex (.lock.break) makes the check-and-remove exclusive, so two
# waiters cannot both break the lock and one of them remove the other's new lock.
BREAK_SEEN_AT=
break_lock() {
  if mkdir "$LOCK.break" 2>/dev/null; then
    BREAK_SEEN_AT=
    read_first "$LOCK/token"
    _tok=$_l
    read_first "$LOCK/heartbeat"
    if [ "$_tok|$_l" = "$1" ] && [ -d "$LOCK" ]; then
      _grave="$ROOT/.lock.stale.$POD_ID.$$"
      rm -rf "$_grave"
      mv "$LOCK" "$_grave" 2>/dev/null && rm -rf "$_grave"
    fi
    rmdir "$LOCK.break" 2>/dev/null || :
    [ ! -d "$LOCK" ]
    return
  else
    # Breaking takes milliseconds; a .lock.break seen for a whole lease is a
    # leftover of a killed breaker.
    _t=$(now)
    if [ -z "$BREAK_SEEN_AT" ]; then
      BREAK_SEEN_AT=$_t
    elif [ $((_t - BREAK_SEEN_AT)) -ge "$LEASE" ]; then
      log "removing a leftover $LOCK.break"
      rmdir "$LOCK.break" 2>/dev/null || :
      BREAK_SEEN_AT=
    fi
    return 1
  fi
}

# take_own_lock: takes over a lock left by an earlier run of this pod at once
# (no waiting); returns 1 when the lock belongs to someone else.
take_own_lock() {
  read_first "$LOCK/owner"
  [ "$_l" = "$POD_ID" ] || return 1
  read_first "$LOCK/token"
  _tok=$_l
  read_first "$LOCK/heartbeat"
  break_lock "$_tok|$_l" && try_lock
}

release_lock() {
  [ "$HAVE_LOCK" = 1 ] || return 0
  HAVE_LOCK=0
  read_first "$LOCK/token"
  if [ "$_l" = "$LOCK_TOKEN" ]; then
    _grave="$ROOT/.lock.released.$POD_ID.$$"
    rm -rf "$_grave"
    mv "$LOCK" "$_grave" 2>/dev/null && rm -rf "$_grave"
  fi
}

# acquire_lock: returns holding the lock, or exits 0 when another pod completed
# the same fingerprint meanwhile, or exits 13 after FETCH_LOCK_WAIT_SECONDS.
# A holder is stale when its token and heartbeat have not changed for
# FETCH_LOCK_STALE_SECONDS as measured by this pod's clock (no clock sync needed).
acquire_lock() {
  _seen=
  _start=
  _said=0
  _stale_said=
  _broke=
  while :; do
    if marker_matches; then
      log "completed by another pod (fingerprint matches); nothing to do"
      exit 0
    fi
    if try_lock; then
      # Said only now: a waiter that broke a stale lock can still lose the
      # following mkdir to another waiter.
      [ -z "$_broke" ] || log "took over the lock of '$_broke'"
      return 0
    fi
    if [ -n "$_broke" ]; then
      _broke=
      _said=0 # another pod took the lock first; say whom we wait for now
    fi
    read_first "$LOCK/owner"
    _owner=$_l
    read_first "$LOCK/token"
    _state=$_l
    read_first "$LOCK/heartbeat"
    _state="$_state|$_l"
    _t=$(now)
    if [ -z "$_start" ]; then
      _start=$_t
      _changed=$_t
    fi
    if [ "$_state" != "$_seen" ]; then
      _seen=$_state
      _changed=$_t
    fi
    if [ "$_owner" = "$POD_ID" ]; then
      [ "$_stale_said" = "$_state" ] || log "lock left by an earlier run of this pod"
      _stale_said=$_state
      if break_lock "$_state"; then
        _broke=$_owner
        continue
      fi
    elif [ $((_t - _changed)) -ge "$LEASE" ]; then
      [ "$_stale_said" = "$_state" ] || log "lock held by '${_owner:-unknown}' is stale (no heartbeat for ${LEASE}s)"
      _stale_said=$_state
      if break_lock "$_state"; then
        _broke=${_owner:-unknown}
        _seen=
        continue
      fi
    fi
    if [ "$LOCK_WAIT" -gt 0 ] && [ $((_t - _start)) -ge "$LOCK_WAIT" ]; then
      die "$EX_LOCK" "gave up waiting ${LOCK_WAIT}s for the lock held by '${_owner:-unknown}'"
    fi
    if [ "$_said" -eq 0 ] || { [ "$PROGRESS" -gt 0 ] && [ $((_t - _said)) -ge "$PROGRESS" ]; }; then
      log "waiting for '${_owner:-unknown}' to finish the download ($((_t - _start))s)"
      _said=$_t
    fi
    nap 1
  done
}

# --- monitor: heartbeat + progress lines, in the background while the lock is held ---
set_phase() { printf '%s\n' "$1" >"$STAGE/.phase" 2>/dev/null || :; }

# parse_response HEADERS: sets RESP_CODE and RESP_TOTAL from the last response
# in a curl header dump (builtins only); RESP_TOTAL is the full size of the
# resource, "" when unknown.
parse_response() {
  RESP_CODE=000
  RESP_TOTAL=
  _cl=
  _cr=
  [ -f "$1" ] || return 0
  while IFS= read -r _h || [ -n "$_h" ]; do
    case $_h in
      HTTP/*)
        _h=${_h#* }
        RESP_CODE=${_h%%[!0-9]*}
        _cl=
        _cr=
        ;;
      [Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]:*)
        _cl=${_h#*:}
        _cl=${_cl#"${_cl%%[0-9]*}"}
        _cl=${_cl%%[!0-9]*}
        ;;
      [Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Rr][Aa][Nn][Gg][Ee]:*)
        _cr=${_h##*/}
        _cr=${_cr%%[!0-9]*}
        ;;
    esac
  done <"$1"
  case $RESP_CODE in
    206 | 416) is_uint "$_cr" && RESP_TOTAL=$_cr ;;
    200) is_uint "$_cl" && RESP_TOTAL=$_cl ;;
  esac
  return 0
}

monitor_loop() {
  trap - EXIT INT TERM HUP
  _seq=0
  _tick=0
  _last_b=-1
  _last_t=$(now)
  _total=
  _last_tool=
  _wd_key=
  _wd_b=0
  _wd_flow=0
  _wd_still=0
  _wd_sync=
  # Half-second ticks where sleep takes fractions (coreutils, busybox), else 1 s.
  _tps=1
  _nap=1
  if sleep 0.01 >/dev/null 2>&1; then
    _tps=2
    _nap=0.5
  fi
  while kill -0 "$1" 2>/dev/null; do
    sleep "$_nap" >/dev/null 2>&1
    _tick=$((_tick + 1))
    if [ $((_tick % (HB_INTERVAL * _tps))) -eq 0 ]; then
      _seq=$((_seq + 1))
      write_heartbeat "$_seq" || :
    fi
    # Stall watchdog (http). curl's --speed-time averages the speed over its
    # last ~5 s, so after fast data it fires only N + ~5 s into a stall. Here:
    # once bytes flowed in this attempt, N s of ticks (each at least its length)
    # without the staged file growing stop curl: a stall is caught after N to
    # N + 0.5 s (N + 1 s with whole-second ticks), plus the ticks' own overhead.
    # .child holds "attempt pid size-at-start" of the running curl.
    if [ "$SOURCE" = http ]; then
      read_first "$STAGE/.child"
      if [ -n "$_l" ]; then
        get_size "$PARTIAL"
        if [ "$_l" != "$_wd_key" ]; then
          _wd_key=$_l
          _wd_flow=0
          _wd_b=${_l##* }
          _wd_still=0
        fi
        if [ "$_size" != "$_wd_b" ]; then
          _wd_b=$_size
          _wd_flow=1
          _wd_still=0
          # Early write-back of what the download wrote so far (no sha256:
          # nothing else does it), so the flush before publishing is short.
          if [ "$FSYNC" = 1 ] && [ -z "$SHA256" ] && { [ -z "$_wd_sync" ] || ! kill -0 "$_wd_sync" 2>/dev/null; }; then
            sync "$PARTIAL" >/dev/null 2>&1 &
            _wd_sync=$!
          fi
        elif [ "$_wd_flow" = 1 ]; then
          _wd_still=$((_wd_still + 1))
          if [ "$_wd_still" -ge $((STALL * _tps)) ]; then
            _wd_flow=0
            _pid=${_wd_key#* }
            _pid=${_pid%% *}
            read_first "$STAGE/.child"
            if [ "$_l" = "$_wd_key" ]; then
              printf '%s\n' "$_wd_key" >"$STAGE/.stalled" 2>/dev/null
              kill "$_pid" 2>/dev/null || :
            fi
          fi
        fi
      fi
    fi
    [ "$PROGRESS" -gt 0 ] || continue
    [ $((_tick % (PROGRESS * _tps))) -eq 0 ] || continue
    read_first "$STAGE/.phase"
    _phase=$_l
    _t=$(now)
    case $_phase in
      download)
        if [ "$SOURCE" = http ]; then
          get_size "$PARTIAL"
          _b=$_size
          if [ -z "$_total" ]; then
            parse_response "$STAGE/headers"
            _total=$RESP_TOTAL
          fi
          _pct_of=${_total:-$EXPECTED_BYTES}
          _rate=0.0
          [ "$_last_b" -ge 0 ] && [ "$_b" -ge "$_last_b" ] && _rate=$(mb_per_s $((_b - _last_b)) $((_t - _last_t)))
          if [ -n "$_pct_of" ] && [ "$_pct_of" -gt 0 ]; then
            log "progress bytes=$_b/$_pct_of ($((_b * 100 / _pct_of))%) ${_rate} MB/s"
          else
            log "progress bytes=$_b ${_rate} MB/s"
          fi
          _last_b=$_b
        else
          _line=$(tr '\r' '\n' <"$STAGE/tool.log" 2>/dev/null | awk 'NF { l = $0 } END { print l }')
          if [ -n "$_line" ] && [ "$_line" != "$_last_tool" ]; then
            log "progress $_line"
            _last_tool=$_line
          else
            log "progress: $SOURCE download running ($((_t - START_TIME))s)"
          fi
        fi
        ;;
      '') ;;
      *) log "still ${_phase} ($((_t - START_TIME))s)" ;;
    esac
    _last_t=$_t
  done
}

start_monitor() {
  monitor_loop "$$" &
  MON_PID=$!
}

# shellcheck disable=SC2317 # called from the EXIT trap
stop_children() {
  if [ -n "$CHILD_PID" ]; then
    kill "$CHILD_PID" 2>/dev/null || :
    CHILD_PID=
  fi
  if [ -n "$MON_PID" ]; then
    kill "$MON_PID" 2>/dev/null || :
    MON_PID=
  fi
  if [ -n "$FEED_PID" ]; then
    kill "$FEED_PID" "$HASH_PID" 2>/dev/null || :
    FEED_PID=
  fi
}

# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
  stop_children
  release_lock
}
trap on_exit EXIT
trap 'log "terminated"; exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# wipe_stage: drop this pod's staging dir (after a permanent failure or success).
wipe_stage() {
  rm -rf "$STAGE"
  rmdir "$STAGING" 2>/dev/null || :
}

fail_permanent() { # code message
  wipe_stage
  die "$@"
}

# --- staging -------------------------------------------------------------------------
# Runs while holding the lock: every other pod's staging dir is a leftover of a
# holder that died (only the holder stages). The newest-looking partial download
# of the same fingerprint is adopted, so a new pod resumes a killed pod's work.
# clean_root: leftovers of killed runs next to data/ (holding the lock).
clean_root() {
  for _x in "$ROOT"/.lock.stale.* "$ROOT"/.lock.released.* "$ROOT"/.complete.tmp.* "$ROOT/.publishing"; do
    [ -e "$_x" ] && rm -rf "$_x"
  done
}

prepare_staging() {
  clean_root
  read_first "$STAGE/.fingerprint"
  if [ -d "$STAGE" ] && [ "$_l" != "$FINGERPRINT" ]; then
    log "discarding own staging of another fingerprint"
    rm -rf "$STAGE"
  fi
  if [ -d "$STAGING" ]; then
    for _d in "$STAGING"/* "$STAGING"/.[!.]*; do
      [ -d "$_d" ] || continue
      [ "$_d" = "$STAGE" ] && continue
      read_first "$_d/.fingerprint"
      _dfp=$_l
      if [ ! -d "$STAGE" ] && [ "$_dfp" = "$FINGERPRINT" ] && staged_result "$_d" && mv "$_d" "$STAGE" 2>/dev/null; then
        log "adopted the verified result staged by ${_d##*/}"
        continue
      fi
      if [ ! -d "$STAGE" ] && [ "$SOURCE" = http ] && [ "$_dfp" = "$FINGERPRINT" ] &&
        [ -s "$_d/dl/$FILENAME" ] && mv "$_d" "$STAGE" 2>/dev/null; then
        get_size "$PARTIAL"
        log "adopted partial download of ${_d##*/} ($_size bytes)"
        continue
      fi
      log "removing stale staging dir ${_d##*/}"
      rm -rf "$_d"
    done
  fi
  if [ -e "$OUT" ] || [ -e "$STAGE/.verified" ] || [ -e "$STAGE/old" ]; then
    staged_result "$STAGE" || rm -rf "$OUT" "$STAGE/.verified"
    rm -rf "$STAGE/old"
  fi
  [ -d "$DL" ] || [ -d "$OUT" ] || mkdir -p "$DL" || die "$EX_CONFIG" "cannot create $DL (is the volume writable for this user?)"
  printf '%s\n' "$FINGERPRINT" >"$STAGE/.fingerprint" || die "$EX_SPACE" "cannot write to $STAGE"
}

# staged_result DIR: DIR (a staging dir) holds a complete, verified and flushed
# result of this fingerprint in out/ (a run killed while publishing).
staged_result() {
  read_first "$1/.verified"
  [ "$_l" = "$FINGERPRINT" ] && [ -d "$1/out" ]
}

check_space() {
  [ -n "$EXPECTED_BYTES" ] || return 0
  _need=$EXPECTED_BYTES
  [ "$EXTRACT" = none ] || _need=$((_need * 2))
  if [ "$SOURCE" = http ]; then
    get_size "$PARTIAL"
    _need=$((_need - _size))
  fi
  [ "$_need" -gt 0 ] || return 0
  _avail=$(df -P "$ROOT" 2>/dev/null | awk 'NR == 2 { print $4 }')
  if ! is_uint "$_avail"; then
    warn "cannot read free space of $ROOT; skipping the check"
    return 0
  fi
  if [ $((_avail * 1024)) -lt "$_need" ]; then
    fail_permanent "$EX_SPACE" "not enough space in $ROOT: need $_need bytes, $((_avail * 1024)) available"
  fi
  log "free space ok: need $_need bytes, $((_avail * 1024)) available"
}

# --- retry policy ----------------------------------------------------------------------
# FETCH_RETRIES counts consecutive failed attempts that made no progress; an
# attempt that added bytes resets the count and the backoff. FETCH_MAX_ATTEMPTS
# bounds all attempts.
ATTEMPT=0
FAILS=0
DELAY=$BACKOFF
retry_or_die() { # code progressed(0|1) message
  if [ "$2" = 1 ]; then
    FAILS=0
    DELAY=$BACKOFF
  else
    FAILS=$((FAILS + 1))
  fi
  if [ "$FAILS" -gt "$RETRIES" ] || [ "$ATTEMPT" -ge "$MAX_ATTEMPTS" ]; then
    die "$1" "$3; giving up after $ATTEMPT attempts"
  fi
  log "attempt $ATTEMPT failed: $3; retrying in ${DELAY}s"
  [ "$DELAY" -gt 0 ] && nap "$DELAY"
  DELAY=$((DELAY * 2))
  [ "$DELAY" -le "$BACKOFF_MAX" ] || DELAY=$BACKOFF_MAX
}

# --- streaming sha256 ---------------------------------------------------------------
# The hash runs while curl downloads: a feeder reads the staged file from byte 0
# through one open descriptor as it grows (page cache, in 1 MiB blocks) into a
# fifo that openssl/sha256sum reads. A resumed file's kept prefix is read first,
# then the new bytes, so nothing is hashed twice and nothing waits for the end.
# The stream lives across resumed attempts; it restarts only when the staged
# file is deleted (restart from zero). Reading the file rather than teeing
# curl's output keeps curl writing straight to disk at full speed.
# curl creates the staged file itself: a file that exists when curl starts
# from byte 0 is opened with O_TRUNC, and ext4 (auto_da_alloc) and XFS then
# write it back synchronously when curl closes it (measured: +0.17 s on the
# critical path per 256 MiB). So no empty staged file is made for the feeder;
# it waits for curl's.
CHUNK=1048576
FEED_PID=
HASH_PID=
HASHER=sha256sum

# shellcheck disable=SC2317 # runs in the background from hash_start
feed_loop() { # stdout: the hasher's fifo; reads $PARTIAL from byte 0
  trap - EXIT INT TERM HUP
  _off=0
  _synced=0
  _spid=
  _poll=0.05
  until [ -e "$PARTIAL" ]; do
    [ -e "$STAGE/hash.done" ] && exit 1 # no file: hash_finish reads it itself
    sleep "$_poll" >/dev/null 2>&1 || {
      _poll=1 # POSIX sleep: whole seconds only
      sleep 1
    }
  done
  exec <"$PARTIAL" || exit 1
  while :; do
    get_size "$PARTIAL"
    _n=$(((_size - _off) / CHUNK))
    if [ "$_n" -gt 0 ]; then
      [ "$_n" -le 64 ] || _n=64
      dd bs="$CHUNK" count="$_n" 2>/dev/null || exit 1
      _off=$((_off + _n * CHUNK))
      # Early write-back of what curl wrote (up to the size just read), so
      # the flush before publishing only has the tail left; one sync in
      # flight at a time.
      if [ "$FSYNC" = 1 ] && [ $((_size - _synced)) -ge $((32 * CHUNK)) ] &&
        { [ -z "$_spid" ] || ! kill -0 "$_spid" 2>/dev/null; }; then
        sync "$PARTIAL" >/dev/null 2>&1 &
        _spid=$!
        _synced=$_size
      fi
      continue
    fi
    # curl has exited for good: hash the rest up to the end of the file.
    [ -e "$STAGE/hash.done" ] && exec cat
    sleep "$_poll" >/dev/null 2>&1 || {
      _poll=1 # POSIX sleep: whole seconds only
      sleep 1
    }
  done
}

hash_start() {
  hash_stop
  command -v openssl >/dev/null 2>&1 && HASHER=openssl
  rm -f "$STAGE/hash.fifo" "$STAGE/hash.sum" "$STAGE/hash.done"
  mkfifo "$STAGE/hash.fifo" 2>/dev/null || return 0 # then the file is hashed after the download
  # An empty staged file (a run killed before its first byte) goes: curl
  # would truncate it (see above).
  [ -s "$PARTIAL" ] || rm -f "$PARTIAL"
  if [ "$HASHER" = openssl ]; then
    openssl dgst -sha256 -r <"$STAGE/hash.fifo" >"$STAGE/hash.sum" 2>/dev/null &
  else
    sha256sum <"$STAGE/hash.fifo" >"$STAGE/hash.sum" 2>/dev/null &
  fi
  HASH_PID=$!
  feed_loop >"$STAGE/hash.fifo" &
  FEED_PID=$!
}

hash_stop() {
  [ -n "$FEED_PID" ] || return 0
  kill "$FEED_PID" "$HASH_PID" 2>/dev/null || :
  wait "$FEED_PID" 2>/dev/null || :
  wait "$HASH_PID" 2>/dev/null || :
  FEED_PID=
  HASH_PID=
}

# hash_finish: sets _sum to the sha256 of $PARTIAL: the streamed one, or (no
# stream, or it failed) a full read of the file.
hash_finish() {
  _sum=
  if [ -n "$FEED_PID" ]; then
    : >"$STAGE/hash.done"
    _frc=0
    wait "$FEED_PID" || _frc=$?
    wait "$HASH_PID" || _frc=1
    FEED_PID=
    HASH_PID=
    if [ "$_frc" -eq 0 ]; then
      read_first "$STAGE/hash.sum"
      _sum=${_l%%[ *]*}
      case $_sum in *[A-F]*) _sum=$(printf '%s' "$_sum" | tr 'A-F' 'a-f') ;; esac
      case $_sum in *[!0-9a-f]*) _sum= ;; esac
      [ "${#_sum}" -eq 64 ] || _sum=
    fi
    rm -f "$STAGE/hash.fifo" "$STAGE/hash.sum" "$STAGE/hash.done"
  fi
  if [ -z "$_sum" ]; then
    set_phase verifying
    sha256_of "$PARTIAL" || return 1
  fi
}

# --- HTTP ------------------------------------------------------------------------------
TRANSFERRED=0
DL_SIZE=0
HIGH=      # most bytes the staged file has held in this run: progress means passing it
NO_RANGES=0 # the server ignored a Range request: later attempts start from zero

# restart_from_zero REASON: drops the staged file (and its hash stream).
restart_from_zero() {
  hash_stop
  rm -f "$PARTIAL"
  log "$1; restarting from zero"
}

# http_download: leaves the complete file at $PARTIAL (size checked against the
# server's total when it announced one).
http_download() {
  while :; do
    ATTEMPT=$((ATTEMPT + 1))
    get_size "$PARTIAL"
    if [ "$NO_RANGES" = 1 ] && [ "$_size" -gt 0 ]; then
      hash_stop
      rm -f "$PARTIAL"
      _size=0
    fi
    _before=$_size
    [ -n "$HIGH" ] || HIGH=$_before
    [ -n "$SHA256" ] && [ -z "$FEED_PID" ] && hash_start
    if [ "$_before" -gt 0 ]; then
      log "attempt $ATTEMPT: resuming at byte $_before"
    else
      log "attempt $ATTEMPT: downloading ${URL%%\?*}"
    fi
    : >"$STAGE/headers"
    set -- -q --silent --show-error --location --max-redirs 10 \
      --proto =http,https --proto-redir =http,https --fail \
      --continue-at - --speed-limit 1 --speed-time "$STALL" \
      --connect-timeout "$CONNECT_TIMEOUT" \
      --dump-header "$STAGE/headers" --output "$PARTIAL" \
      --write-out '%{http_code} %{size_download}\n'
    [ -n "$HEADERS_FILE" ] && set -- "$@" --header "@$HEADERS_FILE"
    set_phase download
    curl "$@" --url "$URL" >"$STAGE/curl.out" 2>"$STAGE/curl.err" &
    CHILD_PID=$!
    printf '%s %s %s\n' "$ATTEMPT" "$CHILD_PID" "$_before" >"$STAGE/.child"
    _rc=0
    wait "$CHILD_PID" 2>/dev/null || _rc=$? # no "Terminated" when the watchdog stops curl
    read_first "$STAGE/.stalled" # the key includes the pid: an old file never matches
    [ -n "$_l" ] && [ "$_l" = "$ATTEMPT $CHILD_PID $_before" ] && _rc=stall
    : >"$STAGE/.child" # curl is gone: the watchdog rests (no fork, unlike rm)
    CHILD_PID=
    get_size "$PARTIAL"
    _after=$_size
    DL_SIZE=$_after
    parse_response "$STAGE/headers"
    _code=$RESP_CODE
    _total=$RESP_TOTAL
    read_first "$STAGE/curl.out"
    _got=${_l#* }
    is_uint "$_got" || _got=0
    TRANSFERRED=$((TRANSFERRED + _got))
    _err=
    [ -s "$STAGE/curl.err" ] && _err=$(tr '\n' ' ' <"$STAGE/curl.err")
    # Progress = the staged file got further than ever before in this run; an
    # attempt that restarted from zero and was cut earlier made none.
    _progress=0
    if [ "$_after" -gt "$HIGH" ]; then
      _progress=1
      HIGH=$_after
    fi
    # 416 on a resume: curl returns 0 or 22 depending on its version.
    if [ "$_code" = 416 ] && [ "$_before" -gt 0 ] && { [ "$_rc" = 0 ] || [ "$_rc" = 22 ]; }; then
      if [ -n "$_total" ] && [ "$_after" -eq "$_total" ]; then
        return 0 # already complete (e.g. killed after the transfer ended)
      fi
      restart_from_zero "server rejected resume offset $_after (416, size ${_total:-unknown})"
      retry_or_die "$EX_NETWORK" 0 "HTTP 416"
      continue
    fi
    case $_rc in
      0)
        if [ -n "$_total" ] && [ "$_after" -ne "$_total" ]; then
          if [ "$_after" -gt "$_total" ]; then
            restart_from_zero "size $_after exceeds the announced $_total"
            _progress=0
          fi
          retry_or_die "$EX_NETWORK" "$_progress" "size $_after != announced $_total"
          continue
        fi
        return 0
        ;;
      33)
        # Server ignored the Range header (200 instead of 206): start over, and
        # from now on without asking for a range. Restarts count as failures.
        NO_RANGES=1
        restart_from_zero "server does not support ranges"
        retry_or_die "$EX_NETWORK" 0 "no range support"
        continue
        ;;
      stall) retry_or_die "$EX_STALL" "$_progress" "stalled: no data for ${STALL}s" ;;
      22)
        case $_code in
          5?? | 408 | 429) retry_or_die "$EX_HTTP_5XX" "$_progress" "HTTP $_code" ;;
          *) fail_permanent "$EX_HTTP_4XX" "HTTP $_code from ${URL%%\?*}" ;;
        esac
        ;;
      28) retry_or_die "$EX_STALL" "$_progress" "stalled: no data for ${STALL}s (curl 28)" ;;
      1 | 3) fail_permanent "$EX_CONFIG" "curl rejected the URL: $_err" ;;
      47) fail_permanent "$EX_HTTP_4XX" "too many redirects" ;;
      60 | 58 | 59 | 77 | 83 | 90 | 91) fail_permanent "$EX_TLS" "TLS verification failed (curl $_rc): $_err" ;;
      23) retry_or_die "$EX_SPACE" "$_progress" "write error (disk full?) (curl 23): $_err" ;;
      *) retry_or_die "$EX_NETWORK" "$_progress" "curl $_rc: $_err" ;;
    esac
  done
}

fetch_http() {
  _fresh=0
  while :; do
    _resumed=0
    [ -s "$PARTIAL" ] && _resumed=1
    http_download
    [ "$ATTEMPT" -gt 1 ] && _resumed=1
    [ -n "$SHA256" ] || return 0
    hash_finish || die "$EX_SPACE" "cannot read $PARTIAL"
    [ "$_sum" = "$SHA256" ] && {
      log "sha256 ok"
      return 0
    }
    # A resumed file can be wrong because the object changed between requests;
    # one clean download decides.
    if [ "$_resumed" = 1 ] && [ "$_fresh" = 0 ]; then
      log "sha256 mismatch after a resumed download ($_sum); downloading once more from zero"
      rm -f "$PARTIAL"
      _fresh=1
      ATTEMPT=0
      FAILS=0
      HIGH=
      DELAY=$BACKOFF
      continue
    fi
    fail_permanent "$EX_CHECKSUM" "sha256 mismatch: expected $SHA256, got $_sum"
  done
}

# --- s3 / gcs (rclone) and Hugging Face ------------------------------------------------
run_tool() { # classify-function command args...
  _classify=$1
  shift
  while :; do
    ATTEMPT=$((ATTEMPT + 1))
    log "attempt $ATTEMPT: $1 ${URL%%\?*}"
    set_phase download
    "$@" >"$STAGE/tool.log" 2>&1 &
    CHILD_PID=$!
    _rc=0
    wait "$CHILD_PID" || _rc=$?
    CHILD_PID=
    [ "$_rc" -eq 0 ] && return 0
    tail -n 20 "$STAGE/tool.log" >&2 2>/dev/null || :
    _class=$("$_classify" "$_rc")
    case $_class in
      "$EX_HTTP_4XX" | "$EX_CONFIG") fail_permanent "$_class" "$1 failed with exit code $_rc" ;;
    esac
    # rclone copy and huggingface-cli skip what is already complete, so every
    # attempt resumes at file granularity; count attempts as progress-free.
    retry_or_die "$_class" 0 "$1 exit code $_rc"
  done
}

# shellcheck disable=SC2317 # called through run_tool
classify_rclone() {
  case $1 in
    1) echo "$EX_CONFIG" ;;         # syntax or usage error
    3 | 4 | 7) echo "$EX_HTTP_4XX" ;; # directory/file not found, fatal (auth)
    *) echo "$EX_NETWORK" ;;
  esac
}

# shellcheck disable=SC2317 # called through run_tool
classify_hf() {
  if grep -q -E 'RepositoryNotFoundError|RevisionNotFoundError|EntryNotFoundError|GatedRepoError|(401|403|404) Client Error' "$STAGE/tool.log" 2>/dev/null; then
    echo "$EX_HTTP_4XX"
  elif [ "$1" -eq 2 ]; then
    echo "$EX_CONFIG" # argparse usage error
  else
    echo "$EX_NETWORK"
  fi
}

fetch_rclone() {
  command -v rclone >/dev/null 2>&1 || die "$EX_CONFIG" "rclone is not installed in this image"
  set -- rclone copy "$URL" "$DL" --retries 1 --timeout "${STALL}s" --contimeout "${CONNECT_TIMEOUT}s"
  if [ "$PROGRESS" -gt 0 ]; then
    set -- "$@" --stats "${PROGRESS}s" --stats-one-line --stats-log-level NOTICE
  fi
  run_tool classify_rclone "$@"
}

fetch_hf() {
  if command -v hf >/dev/null 2>&1; then
    set -- hf download
  elif command -v huggingface-cli >/dev/null 2>&1; then
    set -- huggingface-cli download
  else
    die "$EX_CONFIG" "neither hf nor huggingface-cli is installed in this image"
  fi
  _tool=$1
  set -- "$@" "$URL" --local-dir "$DL"
  [ -n "$REVISION" ] && set -- "$@" --revision "$REVISION"
  [ -n "$HF_REPO_TYPE" ] && set -- "$@" --repo-type "$HF_REPO_TYPE"
  if [ "$INCLUDE_N" -gt 0 ]; then
    # `hf download` (typer) takes one pattern per --include and keeps them all;
    # `huggingface-cli download` (argparse, nargs="*") keeps only the last
    # --include, so it gets one --include followed by every pattern (last on the
    # command line, so nothing else is read as a pattern).
    [ "$_tool" = hf ] || set -- "$@" --include
    _ifs=$IFS
    IFS=$NL
    set -f
    for _p in $INCLUDE; do
      if [ "$_tool" = hf ]; then set -- "$@" --include "$_p"; else set -- "$@" "$_p"; fi
    done
    set +f
    IFS=$_ifs
  fi
  run_tool classify_hf "$@"
}

# single_file: the one regular file in $DL (for sha256/extract of an object store
# download), or exit 24.
single_file() {
  _n=0
  _f=
  for _x in "$DL"/* "$DL"/.[!.]*; do
    [ -e "$_x" ] || continue
    _n=$((_n + 1))
    _f=$_x
  done
  if [ "$_n" -ne 1 ] || [ ! -f "$_f" ]; then
    fail_permanent "$EX_CONFIG" "FETCH_SHA256/FETCH_EXTRACT need a single object, the source gave $_n entries"
  fi
  printf '%s' "$_f"
}

# --- verify, extract --------------------------------------------------------------------
# Rejects absolute member names, '..' components and absolute link targets
# before extracting (tar and unzip implementations differ in what they refuse).
check_members() { # listing file
  if grep -q -E '^/|(^|/)\.\.(/|$)| -> /' "$1"; then
    fail_permanent "$EX_ARCHIVE" "archive has unsafe member paths: $(grep -E '^/|(^|/)\.\.(/|$)| -> /' "$1" | head -n 3 | tr '\n' ' ')"
  fi
}

extract_archive() { # archive
  set_phase extracting
  mkdir -p "$OUT" || die "$EX_SPACE" "cannot create $OUT"
  _list="$STAGE/members"
  case $EXTRACT in
    tar) tar -tf "$1" >"$_list" 2>"$STAGE/extract.err" && { tar -tvf "$1" 2>>"$STAGE/extract.err" | grep ' -> ' || :; } >>"$_list" ;;
    tar.gz) tar -tzf "$1" >"$_list" 2>"$STAGE/extract.err" && { tar -tzvf "$1" 2>>"$STAGE/extract.err" | grep ' -> ' || :; } >>"$_list" ;;
    zip) unzip -l "$1" >"$STAGE/zip.list" 2>"$STAGE/extract.err" &&
      awk 'NF >= 4 && $1 ~ /^[0-9]+$/ { n = $0; sub(/^ *[0-9]+ +[^ ]+ +[^ ]+ +/, "", n); print n }' "$STAGE/zip.list" >"$_list" ;;
  esac
  # shellcheck disable=SC2181 # the status of the listing pipeline above
  [ $? -eq 0 ] || fail_permanent "$EX_ARCHIVE" "cannot read $EXTRACT archive: $(tr '\n' ' ' <"$STAGE/extract.err")"
  check_members "$_list"
  # Some tars (busybox) strip '../' and '/' while listing and only say so on stderr.
  if grep -q -i -E 'removing leading|unsafe|outside' "$STAGE/extract.err"; then
    fail_permanent "$EX_ARCHIVE" "archive has unsafe member paths: $(tr '\n' ' ' <"$STAGE/extract.err")"
  fi
  case $EXTRACT in
    tar) tar -xof "$1" -C "$OUT" 2>"$STAGE/extract.err" ;;
    tar.gz) tar -xzof "$1" -C "$OUT" 2>"$STAGE/extract.err" ;;
    zip) unzip -q -o "$1" -d "$OUT" >/dev/null 2>"$STAGE/extract.err" ;;
  esac
  # shellcheck disable=SC2181
  [ $? -eq 0 ] || fail_permanent "$EX_ARCHIVE" "cannot extract $EXTRACT archive: $(tr '\n' ' ' <"$STAGE/extract.err")"
  rm -f "$1"
  log "extracted $EXTRACT archive"
}

verify_manifest() { # dir [recheck: return 1 instead of failing]
  [ -n "$MANIFEST" ] || return 0
  set_phase verifying
  case $MANIFEST in /*) _m=$MANIFEST ;; *) _m="$1/$MANIFEST" ;; esac
  if [ -n "${2:-}" ]; then
    [ -r "$_m" ] && (cd "$1" && sha256sum -c "$_m") >/dev/null 2>&1 || return 1
    log "manifest ok"
    return 0
  fi
  [ -r "$_m" ] || fail_permanent "$EX_CONFIG" "manifest $MANIFEST not found"
  grep -q -E '^[0-9a-fA-F]{64} [ *]?.' "$_m" || fail_permanent "$EX_CONFIG" "manifest $MANIFEST has no sha256 lines"
  if (cd "$1" && sha256sum -c "$_m") >"$STAGE/manifest.log" 2>&1; then
    log "manifest ok ($(grep -c -E '^[0-9a-fA-F]{64}' "$_m") files)"
    return 0
  fi
  grep -v ': OK$' "$STAGE/manifest.log" | head -n 10 >&2
  fail_permanent "$EX_CHECKSUM" "manifest verification failed"
}

# --- publish --------------------------------------------------------------------------------
# Order: flush the result, record it as verified in staging, marker out, a
# .publishing record (fingerprint + inode of the result dir), old data aside,
# staged result in by rename (same filesystem), then the marker via temp file +
# rename. At every instant data/ is absent or complete, and the marker only ever
# describes verified data. A run killed anywhere in between is finished by the
# next one without a download: a verified staged result is published again, a
# result already renamed into data/ (same inode as recorded) gets its marker.
#
# Durability (FETCH_FSYNC=1) flushes only what is published: every file and
# directory of the result (file-level fsync through `sync FILE...`), the root
# directory after each change of its entries, and the marker before its rename;
# never the node's whole page cache unless the tools can do nothing narrower.
fsync_paths() {
  [ "$FSYNC" = 1 ] || return 0
  sync "$@" 2>/dev/null || sync -f "$@" 2>/dev/null || sync
}
flush_tree() { # dir
  [ "$FSYNC" = 1 ] || return 0
  if [ "$SOURCE" = http ] && [ "$EXTRACT" = none ] && [ -f "$1/$FILENAME" ]; then
    fsync_paths "$1/$FILENAME" "$1" # the one file and its directory
    return 0
  fi
  find "$1" \( -type f -o -type d \) -exec sync {} + 2>/dev/null || fsync_paths "$1"
}

# inode_of PATH: sets _v to the inode number of PATH ("" when unknown).
inode_of() {
  _v=$(stat -c %i "$1" 2>/dev/null) || _v=
  is_uint "$_v" || _v=
}

# write_marker: the marker via a temp file + rename, both durable. The temp
# file and the root directory (entries changed before, e.g. the data/ rename)
# are flushed together before the rename, the root again after it.
write_marker() {
  END_TIME=$(now)
  _tmp="$ROOT/.complete.tmp.$POD_ID"
  {
    printf 'fingerprint=%s\n' "$FINGERPRINT"
    printf 'sha256=%s\n' "${SHA256:--}"
    printf 'source=%s\n' "$SOURCE"
    printf 'completed=%s\n' "$END_TIME"
    printf 'pod=%s\n' "$POD_ID"
  } >"$_tmp" || die "$EX_SPACE" "cannot write the marker"
  fsync_paths "$_tmp" "$ROOT"
  mv -f "$_tmp" "$MARKER" || die "$EX_CONFIG" "cannot rename the marker"
  fsync_paths "$ROOT"
}

# verify_result DIR: re-checks a result found after an interrupted run: the
# sha256 of a single downloaded file, else the manifest; a result without any
# checksum is trusted as recorded (it was flushed before it was recorded).
verify_result() {
  set_phase verifying
  if [ -n "$SHA256" ] && [ "$EXTRACT" = none ]; then
    _f=
    for _x in "$1"/* "$1"/.[!.]*; do
      [ -f "$_x" ] || continue
      [ -z "$_f" ] || return 1
      _f=$_x
    done
    [ -n "$_f" ] || return 1
    sha256_of "$_f" || return 1
    [ "$_sum" = "$SHA256" ] || return 1
    log "sha256 ok"
  elif [ -n "$MANIFEST" ]; then
    verify_manifest "$1" recheck || return 1
  fi
  return 0
}

publish() {
  set_phase publishing
  read_first "$LOCK/token"
  [ "$_l" = "$LOCK_TOKEN" ] || die "$EX_LOCK" "lost the lock before publishing (lease expired?)"
  flush_tree "$OUT"
  printf '%s\n' "$FINGERPRINT" >"$STAGE/.verified" || die "$EX_SPACE" "cannot write to $STAGE"
  inode_of "$OUT"
  printf 'fingerprint=%s\ninode=%s\n' "$FINGERPRINT" "$_v" >"$ROOT/.publishing" || die "$EX_SPACE" "cannot write to $ROOT"
  if [ -e "$MARKER" ]; then
    rm -f "$MARKER" || die "$EX_CONFIG" "cannot remove $MARKER"
    fsync_paths "$ROOT" # the old marker is gone before data/ changes
  fi
  if [ -e "$DATA" ] || [ -L "$DATA" ]; then
    mv "$DATA" "$STAGE/old" || die "$EX_CONFIG" "cannot move the old $DATA aside"
  fi
  [ ! -e "$DATA" ] || die "$EX_CONFIG" "$DATA reappeared while publishing"
  mv "$OUT" "$DATA" || die "$EX_CONFIG" "cannot rename staging to $DATA"
  write_marker # flushes the root (the data/ rename) before the marker's rename
  rm -rf "$ROOT/.publishing" "$STAGE"
  rmdir "$STAGING" 2>/dev/null || :
}

# finish_interrupted: holding the lock, with no marker of this fingerprint.
# Exits 0 when a killed run had already renamed its verified result into
# data/ (recorded in .publishing with the result's inode), after re-verifying
# it and writing the marker.
finish_interrupted() {
  [ -f "$ROOT/.publishing" ] && [ -d "$DATA" ] || return 0
  _pfp=
  _pino=
  while IFS= read -r _h; do
    case $_h in
      fingerprint=*) _pfp=${_h#fingerprint=} ;;
      inode=*) _pino=${_h#inode=} ;;
    esac
  done <"$ROOT/.publishing"
  [ "$_pfp" = "$FINGERPRINT" ] && [ -n "$_pino" ] || return 0
  inode_of "$DATA"
  [ "$_v" = "$_pino" ] || return 0
  log "data/ was published by an interrupted run; re-verifying it instead of downloading"
  if ! verify_result "$DATA"; then
    log "the published data/ does not verify; fetching again"
    rm -f "$ROOT/.publishing"
    return 0
  fi
  write_marker
  rm -rf "$STAGING"
  clean_root
  log "done: marker written for the data/ of an interrupted run"
  exit 0
}

# --- main --------------------------------------------------------------------------------------
if marker_matches; then
  # Warm start. Only a leftover staging dir (holder killed after publishing)
  # costs one non-blocking lock attempt to clean it.
  if [ -d "$STAGING" ] || [ -e "$ROOT/.publishing" ]; then
    START_TIME=$(now)
    if try_lock || take_own_lock; then
      rm -rf "$STAGING"
      clean_root
      release_lock
    fi
  fi
  log "already complete (fingerprint matches); nothing to do"
  exit 0
fi

START_TIME=$(now)
[ -d "$ROOT" ] || mkdir -p "$ROOT" 2>/dev/null || die "$EX_CONFIG" "cannot create $ROOT (is the volume writable for this user?)"
[ -w "$ROOT" ] || die "$EX_CONFIG" "$ROOT is not writable for uid $(id -u 2>/dev/null)"

acquire_lock
if marker_matches; then
  log "completed by another pod (fingerprint matches); nothing to do"
  release_lock
  exit 0
fi
log "source=$SOURCE url=${URL%%\?*} root=$ROOT pod=$POD_ID"
start_monitor
finish_interrupted
prepare_staging

# result_size DIR: sets RESULT_SIZE to the result's size for the final log line.
result_size() {
  if [ "$SOURCE" = http ] && [ "$EXTRACT" = none ]; then
    [ "$DL_SIZE" -gt 0 ] || get_size "$1/$FILENAME"
    [ "$DL_SIZE" -gt 0 ] && _size=$DL_SIZE
    RESULT_SIZE="$_size bytes"
  else
    RESULT_SIZE="$(du -sk "$1" 2>/dev/null | awk '{ print $1 }') KiB"
  fi
}

if staged_result "$STAGE"; then
  log "a verified result of an interrupted run is staged; re-verifying it instead of downloading"
  if verify_result "$OUT"; then
    result_size "$OUT"
    publish
    log "done: $RESULT_SIZE in $DATA, published from staging, 0 attempts, $((END_TIME - START_TIME))s"
    exit 0
  fi
  log "the staged result does not verify; fetching again"
  rm -rf "$OUT" "$STAGE/.verified"
  mkdir -p "$DL" || die "$EX_CONFIG" "cannot create $DL"
fi
check_space

case $SOURCE in
  http) fetch_http ;;
  s3 | gcs) fetch_rclone ;;
  hf) fetch_hf ;;
esac

if [ "$SOURCE" = http ]; then
  _file=$PARTIAL
elif [ "$EXTRACT" != none ] || [ -n "$SHA256" ]; then
  _file=$(single_file) || exit
  if [ -n "$SHA256" ]; then
    set_phase verifying
    sha256_of "$_file" || die "$EX_SPACE" "cannot read $_file"
    [ "$_sum" = "$SHA256" ] || fail_permanent "$EX_CHECKSUM" "sha256 mismatch: expected $SHA256, got $_sum"
    log "sha256 ok"
  fi
else
  _file=
fi

if [ "$EXTRACT" != none ]; then
  extract_archive "$_file"
  rm -rf "$DL"
else
  mv "$DL" "$OUT" || die "$EX_CONFIG" "cannot move $DL to $OUT"
fi
verify_manifest "$OUT"
result_size "$OUT"
publish
_elapsed=$((END_TIME - START_TIME))
if [ "$SOURCE" = http ]; then
  log "done: $RESULT_SIZE in $DATA, transferred=$TRANSFERRED bytes in $ATTEMPT attempts, ${_elapsed}s ($(mb_per_s "$TRANSFERRED" "$_elapsed") MB/s)"
else
  log "done: $RESULT_SIZE in $DATA, $ATTEMPT attempts, ${_elapsed}s"
fi
exit 0
