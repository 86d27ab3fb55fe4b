#!/usr/bin/env bash
# e.g. during bench/events-load.sh: bench/tools/threadcpu.sh 10 $(pgrep -f EventsLoad) $(pgrep mariadbd)
# JFR execution samples miss the C2 compiler, GC and time in the kernel (fsync); this does not.
# threadcpu.sh SECONDS PID... : CPU seconds (user, system) per thread name (digits folded) over SECONDS
snap() { for pid in "$@"; do for t in /proc/$pid/task/*; do n=$(tr -d '0-9' < $t/comm 2>/dev/null | tr ' ' '_'); st=$(cat $t/stat 2>/dev/null) || continue; rest=${st##*) }; read -a f <<< "$rest"; echo "$pid:$n ${f[11]} ${f[12]}"; done; done; }
d=$1; shift
snap "$@" > /tmp/tc1; sleep "$d"; snap "$@" > /tmp/tc2
awk 'NR==FNR { u[$1]+=$2; s[$1]+=$3; next } { U[$1]+=$2; S[$1]+=$3 } END { for (k in U) { du=(U[k]-u[k])/100; ds=(S[k]-s[k])/100; if (du+ds>0.05) printf "%7.2f %7.2f %s\n", du, ds, k } }' /tmp/tc1 /tmp/tc2 | sort -rn
