#!/bin/bash
# usage: coldtrace.sh <benchdir> <out>
cd $1 && (dotnet LeadHub.Bench.dll --cold --closed-loop 32 --buyer-latency 0 --r2r --no-baseline > $2.log 2>&1 &)
for i in $(seq 1 900); do
  pid=$(grep -oP "as pid \K[0-9]+" $2.log 2>/dev/null | head -1)
  [ -n "$pid" ] && break
  sleep 0.2
done
~/.dotnet/tools/dotnet-trace collect -p $pid --providers "Microsoft-Windows-DotNETRuntime:0x10:5" --duration 00:00:00:12 -o $2.nettrace > $2.trace.log 2>&1
while ! grep -q "peak working set" $2.log; do sleep 2; done
grep "cold start:" $2.log
