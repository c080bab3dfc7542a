#!/bin/bash
# usage: coldjit.sh <benchdir> <out>
cd $1 && (dotnet LeadHub.Bench.dll --cold --closed-loop 32 --buyer-latency 0 --r2r --no-baseline > $2.log 2>&1 &)
for i in $(seq 1 900); do
  pid=$(grep -oP "as pid \K[0-9]+" $2.log 2>/dev/null | head -1)
  [ -n "$pid" ] && break
  sleep 0.2
done
timeout 14 ~/.dotnet/tools/dotnet-counters collect -p $pid --refresh-interval 1 --counters System.Runtime --format csv -o $2.csv > $2.counters.log 2>&1
while ! grep -q "peak working set" $2.log; do sleep 2; done
grep "cold start:" $2.log
python3 - $2.csv <<'PY'
import csv,sys
rows=[r for r in csv.reader(open(sys.argv[1])) if len(r)>3 and 'compiled_methods' in r[2] ]
vals=[float(r[4]) for r in rows]
print("jit compiled per second after attach:", [int(v) for v in vals], "sum", int(sum(vals)))
PY
