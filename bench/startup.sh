#!/usr/bin/env bash
# Startup to serving, without the embedded database and broker (issue 7: "<= 5 s without embedded
# DB/broker start"). A first SipFlow is started with its embedded MariaDB and Kafka and left running
# as the "external" database and broker; then a second SipFlow, pointed at them, is started ROUNDS
# times: the time from launching its JVM to the first OPTIONS answered 200 over UDP is startup to
# serving (the JVM, Camel Main, the routes, the schema check, the Kafka producer, the SIP stack).
#   flock /tmp/sipflow-cpu.lock bench/startup.sh [ROUNDS]
#   STARTUP_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/startup.jfr" bench/startup.sh 1   # profile it
#   CDS=1 bench/startup.sh 5    # first a training run, `sipflow check` with -XX:ArchiveClassesAtExit,
#                               # then every round with -XX:SharedArchiveFile (application class-data sharing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
JAR=${SIPFLOW_JAR:-target/sipflow.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
RUN_DIR=$(mktemp -d /tmp/sipflow-bench-startup.XXXXXX)
mkdir -p /tmp/sipflow-bench-java
JAVA_SYS=(-Djava.io.tmpdir=/tmp/sipflow-bench-java)
DB_PORT=23306
KAFKA_PORT=23092
log() { echo "$(date +%T) $*"; }

# first OPTIONS 200 from 127.0.0.1:PORT over UDP, polling every 10 ms; prints the epoch ms it came
await_options() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys, time
port, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.01)
n = 0
while time.time() < deadline:
    n += 1
    msg = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-up%d;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p%d\r\nTo: <sip:127.0.0.1:%d>\r\n"
           "Call-ID: startup-%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (port, s.getsockname()[1], n, n, port, n)
    try:
        s.sendto(msg.encode(), ("127.0.0.1", port))
        data = s.recv(65535)
        if data.startswith(b"SIP/2.0 200"):
            print(int(time.time() * 1000))
            sys.exit(0)
    except OSError:
        pass
sys.exit(1)
EOF
}

start_sipflow() { # NAME SIP_PORT HTTP_PORT MGMT_PORT [extra -D...]
    local name=$1 sip=$2 http=$3 mgmt=$4 opts=""
    shift 4
    [ "$name" = external ] || opts=${STARTUP_JVM_OPTS:-}
    # shellcheck disable=SC2086
    java -Xms1g -Xmx1g -XX:+UseG1GC $opts "${JAVA_SYS[@]}" -jar "$JAR" run \
        "-Dsipflow.sip.listen=udp:127.0.0.1:$sip,tcp:127.0.0.1:$sip" "-Dsipflow.http.port=$http" \
        "-Dsipflow.management.port=$mgmt" "-Dsipflow.events.spool-dir=$RUN_DIR/$name-spool" "$@" \
        >"$RUN_DIR/$name.log" 2>&1 &
    echo $!
}

cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
PIDS=()
trap cleanup EXIT

log "external database and broker: a SipFlow with its embedded MariaDB (:$DB_PORT) and Kafka (:$KAFKA_PORT)"
PIDS+=("$(start_sipflow external 25060 28080 29876 "-Dsipflow.db.embedded-port=$DB_PORT" \
    "-Dsipflow.db.embedded-dir=$RUN_DIR/mariadb" "-Dsipflow.kafka.embedded-port=$KAFKA_PORT" \
    "-Dsipflow.kafka.embedded-dir=$RUN_DIR/kafka")")
await_options 25060 180 >/dev/null || { tail -30 "$RUN_DIR/external.log"; echo "external SipFlow did not start" >&2; exit 1; }
grep -h "Embedded MariaDB listening\|Embedded Kafka (KRaft" "$RUN_DIR/external.log" | sed 's/^/# /'

echo "# SipFlow $(git rev-parse --short HEAD)$(git diff --quiet || echo -dirty), $(java -version 2>&1 | head -1), $(nproc) cores"
CLIENT_ARGS=("-Dsipflow.db.url=jdbc:mysql://127.0.0.1:$DB_PORT/sipflow?createDatabaseIfNotExist=true"
    "-Dsipflow.db.user=root" "-Dsipflow.kafka.brokers=127.0.0.1:$KAFKA_PORT")
if [[ ${CDS:-0} == 1 ]]; then
    # the training run: `check` starts SipFlow as the rounds will, stops, and the JVM writes the
    # classes it loaded into the archive as it exits
    t0=$(date +%s%3N)
    java -Xms1g -Xmx1g -XX:+UseG1GC "-XX:ArchiveClassesAtExit=$RUN_DIR/sipflow.jsa" "${JAVA_SYS[@]}" -jar "$JAR" check \
        "-Dsipflow.sip.listen=udp:127.0.0.1:26060,tcp:127.0.0.1:26060" "-Dsipflow.http.port=26080" \
        "-Dsipflow.management.port=26876" "-Dsipflow.events.spool-dir=$RUN_DIR/check-spool" "${CLIENT_ARGS[@]}" \
        >"$RUN_DIR/check.log" 2>&1 || { tail -30 "$RUN_DIR/check.log"; echo "sipflow check failed" >&2; exit 1; }
    [ -s "$RUN_DIR/sipflow.jsa" ] || { tail -30 "$RUN_DIR/check.log"; echo "no archive written" >&2; exit 1; }
    echo "# CDS archive from \`sipflow check\` in $(($(date +%s%3N) - t0)) ms: $(du -m "$RUN_DIR/sipflow.jsa" | cut -f1) MB; $(grep -o 'SipFlow configuration OK: [0-9]* route(s) started' "$RUN_DIR/check.log")"
    STARTUP_JVM_OPTS="${STARTUP_JVM_OPTS:-} -XX:SharedArchiveFile=$RUN_DIR/sipflow.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
echo "round  launch->serving_ms  camel_started_in"
for round in $(seq 1 "$ROUNDS"); do
    start_ms=$(date +%s%3N)
    pid=$(start_sipflow "round$round" 26060 26080 26876 "${CLIENT_ARGS[@]}")
    served_ms=$(await_options 26060 60) || { tail -30 "$RUN_DIR/round$round.log"; echo "round $round did not serve" >&2; exit 1; }
    camel=""
    for _ in $(seq 50); do # Camel may answer before it logs its own start time: wait for it, 5 s at most
        camel=$(grep -o "(SipFlow) started in [0-9.a-z]*" "$RUN_DIR/round$round.log" | head -1 | awk '{print $4}' || true)
        [ -n "$camel" ] && break
        sleep 0.1
    done
    printf "%-6s %-19s %s\n" "$round" "$((served_ms - start_ms))" "${camel:-?}"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
done
log "logs in $RUN_DIR"
