#!/usr/bin/env bash
# REGISTER load through SipFlow: SIPp UAC (phones, 127.0.0.3) -> SipFlow (127.0.0.1) -> SIPp UAS
# (the "Asterisk", 127.0.0.2), stepping the REGISTER rate up until a step fails. See bench/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATES="1000 2000 3000 4000 5000 6000 8000 10000 12000"

usage() {
    echo "usage: bench/register-load.sh [options]"
    usage_common
}

parse_common_args "$@"
run_ladder register uac-register.xml uas-register.xml
