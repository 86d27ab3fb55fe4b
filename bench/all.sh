#!/usr/bin/env bash
# The whole bench in one go, short form (issue 7: under 10 minutes): each scenario's ladder over a few
# rates with 10 s steps, the events pipeline for 10 s, and the location index in JMH (lookup at 1,000
# and 1,000,000 bindings, one short fork). For the figures in the README run the scripts one by one
# with the commands there (20-30 s steps, ZGC); this is the quick look after a change.
#   flock /tmp/sipflow-cpu.lock bench/all.sh > bench/results/all-$(date +%F).txt
#   ALL_OPTS="--damon off" flock /tmp/sipflow-cpu.lock bench/all.sh     # extra options for every ladder
# Needs target/sipflow.jar (mvn -B package -DskipTests) or SIPFLOW_JAR, and SIPp.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
common=(--gc zgc --heap 4g --step-seconds 10 --warmup 10 --budget 150 --keep-going ${ALL_OPTS:-})
section() { echo; echo "## $* ($((SECONDS - started)) s in)"; }
# keeps a ladder's report: its header lines, one line per step, its verdict lines
report() { grep -vE '^#   |^[0-9]{2}:[0-9]{2}:[0-9]{2} '; }

section "1. REGISTER through the proxy-registrar, 2 tenants x 20,000 users, save on 2xx"
bench/register-load.sh "${common[@]}" --rates "1000 3000 5000" 2>&1 | report
section "2. calls from the PBXs to registered endpoints through the tenant lookup, CDRs on"
bench/pbx-call-load.sh "${common[@]}" --rates "500 1000 1500" 2>&1 | report
section "3. REGISTER with secondary forwarding (refresh when due)"
SIPFLOW_OPTS="${SIPFLOW_OPTS:-} -Dsipflow.forwarding.refresh=when-due" \
    bench/register-forward-load.sh "${common[@]}" --rates "1000 3000" 2>&1 | report
section "4. CDR events through the spool to Kafka and MySQL: 10,000/s for 10 s"
bench/events-load.sh 10000 10 5 2>&1 | grep -E '^SUMMARY|ERROR'
section "5. location lookup by AoR, 1,000 and 1,000,000 bindings (JMH, one fork, short)"
bench/jmh.sh 'LocationLookupBenchmark.lookupByAor' -p bindings=1000,1000000 -f 1 -wi 2 -w 1s -i 3 -r 1s 2>&1 \
    | grep -E '^Benchmark +\(|^LocationLookupBenchmark'
section "done"
