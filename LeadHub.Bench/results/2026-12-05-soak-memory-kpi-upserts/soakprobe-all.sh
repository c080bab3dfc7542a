#!/bin/bash
# usage: probe-all.sh <bench bin> <out prefix> <bench args...>: every LeadHub node the bench starts gets
# dotnet-counters (System.Runtime, 10 s) and a 10-s sample of its RSS and socket count, until it exits.
bin=$1; out=$2; shift 2
cd $bin && (dotnet LeadHub.Bench.dll "$@" > $out.log 2>&1 &)
sleep 3
seen=""
while pgrep -f "LeadHub.Bench.dll $1" > /dev/null || pgrep -f "LeadHub.Bench.dll" >/dev/null; do
  for pid in $(grep -oP "LeadHub: .* as pid \K[0-9]+" $out.log 2>/dev/null); do
    case " $seen " in *" $pid "*) continue;; esac
    seen="$seen $pid"
    (~/.dotnet/tools/dotnet-counters collect -p $pid --refresh-interval 10 --counters System.Runtime --format csv -o $out-$pid.csv > /dev/null 2>&1 &)
    ( t0=$(date +%s); while kill -0 $pid 2>/dev/null; do
        echo "$(date +%T) $(( $(date +%s) - t0 )) rss_kb=$(grep VmRSS /proc/$pid/status 2>/dev/null | awk '{print $2}') sockets=$(ls /proc/$pid/fd 2>/dev/null | wc -l)" >> $out-$pid.samples
        sleep 10; done ) &
  done
  sleep 2
done
