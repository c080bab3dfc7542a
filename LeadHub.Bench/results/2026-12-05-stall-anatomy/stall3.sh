#!/bin/bash
# usage: stall3.sh <tag> [extra bench args]  -- counters on node and on the bench, vmstat, per-process CPU
tag=$1; shift
cd /work/main/LeadHub.Bench/bin/Release/net10.0
rm -f /tmp/tl-$tag.txt /tmp/stall-$tag*.csv
vmstat -t 1 > /tmp/vm-$tag.txt &
vm=$!
python3 -u /tmp/psamp.py > /tmp/ps-$tag.txt &
ps=$!
timeout 900 dotnet LeadHub.Bench.dll --no-baseline --timeline /tmp/tl-$tag.txt "$@" > /tmp/stall-$tag.log 2>&1 &
run=$!
sleep 3
bench=$(pgrep -f "LeadHub.Bench.dll --no-baseline --timeline /tmp/tl-$tag" | tail -1)
~/.dotnet/tools/dotnet-counters collect -p $bench --format csv -o /tmp/stall-$tag-bench.csv --refresh-interval 1 --counters "System.Runtime,Microsoft-AspNetCore-Server-Kestrel" > /tmp/dc-bench-$tag.txt 2>&1 &
for i in $(seq 1 200); do pid=$(grep -oP "as pid \K[0-9]+" /tmp/stall-$tag.log | head -1); [ -n "$pid" ] && break; sleep 1; done
echo "node pid $pid bench $bench"
~/.dotnet/tools/dotnet-counters collect -p $pid --format csv -o /tmp/stall-$tag.csv --refresh-interval 1 --counters "System.Runtime,Microsoft.AspNetCore.Hosting,Microsoft-AspNetCore-Server-Kestrel" > /dev/null 2>&1 &
wait $run
sleep 2; kill $vm $ps
