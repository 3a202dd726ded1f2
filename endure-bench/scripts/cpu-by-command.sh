#!/bin/bash
# CPU time spent by each command name (java, postgres, pgbench, ...) while this script runs, read from /proc.
#
#   endure-bench/scripts/cpu-by-command.sh OUT & SAMPLER=$!
#   java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.contention.ContentionCurve --clients 16 ...
#   kill $SAMPLER; cat OUT          # "<command> <CPU time in clock ticks, usually 1/100 s>", most first
#
# Every half second it reads utime + stime of every process; a process's share is its last reading minus its first,
# so processes that were running before the script started count only what they spent since, and processes that
# ended between two readings lose at most half a second.
out=${1:?usage: cpu-by-command.sh OUTFILE}
declare -A first last name
report() {
    declare -A total
    for pid in "${!last[@]}"; do
        total[${name[$pid]}]=$(( ${total[${name[$pid]}]:-0} + ${last[$pid]} - ${first[$pid]} ))
    done
    for command in "${!total[@]}"; do
        echo "$command ${total[$command]}"
    done | sort -k2 -n -r > "$out"
    exit 0
}
trap report TERM INT
while true; do
    for stat in /proc/[0-9]*/stat; do
        read -r line < "$stat" 2>/dev/null || continue
        pid=${stat#/proc/}; pid=${pid%/stat}
        command=${line#*(}; command=${command%%)*}
        fields=(${line##*) })
        ticks=$(( ${fields[11]} + ${fields[12]} ))
        [ -z "${first[$pid]}" ] && first[$pid]=$ticks
        last[$pid]=$ticks
        name[$pid]=$command
    done
    sleep 0.5
done
