#!/bin/bash
# usage: probe.sh <out prefix> <bench args...>
out=$1; shift
cd /work/main/LeadHub.Bench/bin/Release/net10.0
dotnet LeadHub.Bench.dll "$@" --timeline $out.timeline > $out.log 2>&1 &
bench=$!
pid=
for i in $(seq 1 600); do pid=$(pgrep -f "leadhub-r2r/LeadHub.Web.dll" | head -1); [ -n "$pid" ] && break; sleep 0.2; done
echo "pid $pid at $(date -u +%T.%N)" > $out.pid
/tmp/tools/dotnet-counters collect -p $pid --refresh-interval 1 --counters System.Runtime --format csv -o $out.csv > $out.counters.log 2>&1 &
wait $bench
