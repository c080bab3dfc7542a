#!/bin/bash
# A `--cold` bench run with a probe attached to the fresh node the moment the bench prints its pid (right after ready).
# usage: coldprobe.sh <bench bin folder> <output prefix> counters|trace
#   counters: dotnet-counters (System.Runtime, 1 s) for ~14 s, then the JIT's methods compiled per second
#   trace:    dotnet-trace method loads for 12 s (summarise with ../2026-12-04-evening-all-and-bulkrows-ab/jitlist-Program.cs.txt)
cd $1 && (dotnet LeadHub.Bench.dll --cold --closed-loop 32 --buyer-latency 0 --r2r --no-baseline > $2.log 2>&1 &)
for i in $(seq 1 900); do
  pid=$(grep -oP "as pid \K[0-9]+" $2.log 2>/dev/null | head -1)
  [ -n "$pid" ] && break
  sleep 0.2
done
if [ "$3" = trace ]; then
  ~/.dotnet/tools/dotnet-trace collect -p $pid --providers "Microsoft-Windows-DotNETRuntime:0x10:5" --duration 00:00:00:12 -o $2.nettrace > $2.trace.log 2>&1
else
  timeout 14 ~/.dotnet/tools/dotnet-counters collect -p $pid --refresh-interval 1 --counters System.Runtime --format csv -o $2.csv > $2.counters.log 2>&1
fi
while ! grep -q "peak working set" $2.log; do sleep 2; done
grep "cold start:" $2.log
[ "$3" = trace ] && exit 0
python3 - $2.csv <<'PY'
import csv,sys
vals=[float(r[4]) for r in csv.reader(open(sys.argv[1])) if len(r)>3 and 'compiled_methods' in r[2]]
print("jit compiled per second after attach:", [int(v) for v in vals], "sum", int(sum(vals)))
PY
