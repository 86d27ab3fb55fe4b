#!/usr/bin/env bash
# REGISTER load with secondary forwarding on (bench scenario 3): SIPp UAC (phones, 127.0.0.3) ->
# SipFlow (127.0.0.1) -> SIPp UAS (the "Asterisk", 127.0.0.2); after each 2xx SipFlow registers the
# user at the secondary registrar (SIPp UAS, 127.0.0.4). Steps up until a step fails; at the end,
# how many REGISTERs the secondary accepted and SipFlow's forwarding states. See bench/README.md.
set -euo pipefail
FORWARD=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATES="1000 2000 3000 4000 5000 6000"

usage() {
    echo "usage: bench/register-forward-load.sh [options]"
    usage_common
}

parse_common_args "$@"
run_ladder register-forward uac-register.xml uas-register.xml
