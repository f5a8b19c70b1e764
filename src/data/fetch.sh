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
  while :; do
    if marker_matches; then
      log "completed by another pod (fingerprint matches); nothing to do"
      exit 0
    fi
    try_lock && return 0
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
      log "lock left by an earlier run of this pod; taking it over"
      break_lock "$_state" && continue
    elif [ $((_t - _changed)) -ge "$LEASE" ]; then
      log "lock held by '${_owner:-unknown}' is stale (no heartbeat for ${LEASE}s); taking it over"
      if break_lock "$_state"; then
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
  while kill -0 "$1" 2>/dev/null; do
    sleep 1 >/dev/null 2>&1
    _tick=$((_tick + 1))
    if [ $((_tick % HB_INTERVAL)) -eq 0 ]; then
      _seq=$((_seq + 1))
      write_heartbeat "$_seq" || :
    fi
    [ "$PROGRESS" -gt 0 ] || continue
    [ $((_tick % PROGRESS)) -eq 0 ] || continue
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
prepare_staging() {
  for _x in "$ROOT"/.lock.stale.* "$ROOT"/.lock.released.* "$ROOT"/.complete.tmp.*; do
    [ -e "$_x" ] && rm -rf "$_x"
  done
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
      if [ ! -d "$STAGE" ] && [ "$SOURCE" = http ] && [ "$_l" = "$FINGERPRINT" ] &&
        [ -s "$_d/dl/$FILENAME" ] && mv "$_d" "$STAGE" 2>/dev/null; then
        get_size "$PARTIAL"
        log "adopted partial download of ${_d##*/} ($_size bytes)"
        continue
      fi
      log "removing stale staging dir ${_d##*/}"
      rm -rf "$_d"
    done
  fi
  for _x in "$OUT" "$STAGE/old"; do
    [ -e "$_x" ] && rm -rf "$_x"
  done
  [ -d "$DL" ] || mkdir -p "$DL" || die "$EX_CONFIG" "cannot create $DL (is the volume writable for this user?)"
  printf '%s\n' "$FINGERPRINT" >"$STAGE/.fingerprint" || die "$EX_SPACE" "cannot write to $STAGE"
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

# --- HTTP ------------------------------------------------------------------------------
TRANSFERRED=0
DL_SIZE=0
# http_download: leaves the complete file at $PARTIAL (size checked against the
# server's total when it announced one).
http_download() {
  while :; do
    ATTEMPT=$((ATTEMPT + 1))
    get_size "$PARTIAL"
    _before=$_size
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
    _rc=0
    wait "$CHILD_PID" || _rc=$?
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
    _progress=0
    [ "$_after" -gt "$_before" ] && _progress=1
    # 416 on a resume: curl returns 0 or 22 depending on its version.
    if [ "$_code" = 416 ] && [ "$_before" -gt 0 ] && { [ "$_rc" -eq 0 ] || [ "$_rc" -eq 22 ]; }; then
      if [ -n "$_total" ] && [ "$_after" -eq "$_total" ]; then
        return 0 # already complete (e.g. killed after the transfer ended)
      fi
      log "server rejected resume offset $_after (416, size ${_total:-unknown}); restarting from zero"
      rm -f "$PARTIAL"
      retry_or_die "$EX_NETWORK" 1 "HTTP 416"
      continue
    fi
    case $_rc in
      0)
        if [ -n "$_total" ] && [ "$_after" -ne "$_total" ]; then
          [ "$_after" -gt "$_total" ] && rm -f "$PARTIAL"
          retry_or_die "$EX_NETWORK" "$_progress" "size $_after != announced $_total"
          continue
        fi
        return 0
        ;;
      33)
        # Server ignored the Range header (200 instead of 206): start over.
        log "server does not support ranges; restarting from zero"
        rm -f "$PARTIAL"
        retry_or_die "$EX_NETWORK" 1 "no range support"
        continue
        ;;
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
    set_phase verifying
    sha256_of "$PARTIAL" || die "$EX_SPACE" "cannot read $PARTIAL"
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

verify_manifest() {
  [ -n "$MANIFEST" ] || return 0
  set_phase verifying
  case $MANIFEST in /*) _m=$MANIFEST ;; *) _m="$OUT/$MANIFEST" ;; esac
  [ -r "$_m" ] || fail_permanent "$EX_CONFIG" "manifest $MANIFEST not found"
  grep -q -E '^[0-9a-fA-F]{64} [ *]?.' "$_m" || fail_permanent "$EX_CONFIG" "manifest $MANIFEST has no sha256 lines"
  if (cd "$OUT" && sha256sum -c "$_m") >"$STAGE/manifest.log" 2>&1; then
    log "manifest ok ($(grep -c -E '^[0-9a-fA-F]{64}' "$_m") files)"
    return 0
  fi
  grep -v ': OK$' "$STAGE/manifest.log" | head -n 10 >&2
  fail_permanent "$EX_CHECKSUM" "manifest verification failed"
}

# --- publish --------------------------------------------------------------------------------
# Order: marker out, old data aside, staged result in by rename (same
# filesystem), then the marker via temp file + rename. At every instant data/
# is absent or complete, and the marker only ever describes verified data.
# fsync a single file (or directory); syncfs for a tree (cheaper than one
# fsync per file); plain sync where neither is supported.
fsync_paths() {
  [ "$FSYNC" = 1 ] || return 0
  sync "$@" 2>/dev/null || sync
}
sync_tree() {
  [ "$FSYNC" = 1 ] || return 0
  sync -f "$1" 2>/dev/null || sync
}

publish() {
  set_phase publishing
  read_first "$LOCK/token"
  [ "$_l" = "$LOCK_TOKEN" ] || die "$EX_LOCK" "lost the lock before publishing (lease expired?)"
  if [ "$SOURCE" = http ] && [ "$EXTRACT" = none ]; then
    fsync_paths "$OUT/$FILENAME"
  else
    sync_tree "$OUT"
  fi
  if [ -e "$MARKER" ]; then
    rm -f "$MARKER" || die "$EX_CONFIG" "cannot remove $MARKER"
  fi
  if [ -e "$DATA" ] || [ -L "$DATA" ]; then
    mv "$DATA" "$STAGE/old" || die "$EX_CONFIG" "cannot move the old $DATA aside"
  fi
  [ ! -e "$DATA" ] || die "$EX_CONFIG" "$DATA reappeared while publishing"
  mv "$OUT" "$DATA" || die "$EX_CONFIG" "cannot rename staging to $DATA"
  END_TIME=$(now)
  _tmp="$ROOT/.complete.tmp.$POD_ID"
  {
    printf 'fingerprint=%s\n' "$FINGERPRINT"
    printf 'sha256=%s\n' "${SHA256:--}"
    printf 'source=%s\n' "$SOURCE"
    printf 'completed=%s\n' "$END_TIME"
    printf 'pod=%s\n' "$POD_ID"
  } >"$_tmp" || die "$EX_SPACE" "cannot write the marker"
  fsync_paths "$_tmp"
  mv -f "$_tmp" "$MARKER" || die "$EX_CONFIG" "cannot rename the marker"
  fsync_paths "$ROOT" # the directory: makes both renames durable
  wipe_stage
}

# --- main --------------------------------------------------------------------------------------
if marker_matches; then
  # Warm start. Only a leftover staging dir (holder killed after publishing)
  # costs one non-blocking lock attempt to clean it.
  if [ -d "$STAGING" ]; then
    START_TIME=$(now)
    if try_lock; then
      rm -rf "$STAGING"
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
prepare_staging
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
verify_manifest
if [ "$SOURCE" = http ] && [ "$EXTRACT" = none ]; then
  _size="$DL_SIZE bytes"
else
  _size="$(du -sk "$OUT" 2>/dev/null | awk '{ print $1 }') KiB"
fi
publish
_elapsed=$((END_TIME - START_TIME))
if [ "$SOURCE" = http ]; then
  log "done: $_size in $DATA, transferred=$TRANSFERRED bytes in $ATTEMPT attempts, ${_elapsed}s ($(mb_per_s "$TRANSFERRED" "$_elapsed") MB/s)"
else
  log "done: $_size in $DATA, $ATTEMPT attempts, ${_elapsed}s"
fi
exit 0
