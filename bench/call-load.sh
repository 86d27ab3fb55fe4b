#!/usr/bin/env bash
# Call load through SipFlow: INVITE/100/180/200/ACK, a short pause, BYE/200, SIPp UAC (127.0.0.3)
# -> SipFlow (127.0.0.1, record-routing) -> SIPp UAS (127.0.0.2), stepping calls/s up until a step
# fails. See bench/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATES="200 500 1000 2000 3000 4000"
CALL_MS=100

usage() {
    echo "usage: bench/call-load.sh [options] [--call-ms MS]"
    usage_common
    echo "  --call-ms MS          pause between ACK and BYE (default: $CALL_MS)"
}

args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --call-ms) CALL_MS=$2; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
parse_common_args "${args[@]+"${args[@]}"}"
run_ladder call uac-call.xml uas-call.xml -d "$CALL_MS"
