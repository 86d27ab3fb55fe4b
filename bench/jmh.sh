#!/usr/bin/env bash
# JMH micro-benchmarks of SipFlow's hot paths (classes named *Benchmark under src/test/java), and the heap cost of
# the location index.
#   bench/jmh.sh                              # every benchmark
#   bench/jmh.sh LocationLookupBenchmark      # one class (JMH regexp)
#   bench/jmh.sh --memory 1000000             # bytes per binding with 1M bindings
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
cp=$(mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
cp="target/test-classes:target/classes:$cp"
if [ "${1:-}" = "--memory" ]; then
  exec java -Xms2g -Xmx2g -cp "$cp" io.sipflow.bench.BindingMemory "${2:-1000000}"
fi
exec java -cp "$cp" org.openjdk.jmh.Main "${@:-Benchmark}"
