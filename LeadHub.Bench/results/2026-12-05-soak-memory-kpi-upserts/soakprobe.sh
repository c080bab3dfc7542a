#!/bin/bash
# usage: probe.sh <bench bin> <out prefix> <bench args...>
bin=$1; out=$2; shift 2
cd $bin && (dotnet LeadHub.Bench.dll "$@" > $out.log 2>&1 &)
for i in $(seq 1 900); do pid=$(grep -oP "LeadHub: .* as pid \K[0-9]+" $out.log 2>/dev/null | head -1); [ -n "$pid" ] && break; sleep 0.5; done
echo "pid $pid" > $out.samples
(~/.dotnet/tools/dotnet-counters collect -p $pid --refresh-interval 10 --counters System.Runtime --format csv -o $out.csv > $out.counters.log 2>&1 &)
t0=$(date +%s)
while kill -0 $pid 2>/dev/null; do
  rss=$(grep VmRSS /proc/$pid/status 2>/dev/null | awk '{print $2}')
  socks=$(ls -l /proc/$pid/fd 2>/dev/null | grep -c socket)
  echo "$(( $(date +%s) - t0 )) rss_kb=$rss sockets=$socks" >> $out.samples
  sleep 10
done
