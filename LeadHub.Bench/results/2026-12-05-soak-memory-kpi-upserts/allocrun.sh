#!/bin/bash
# usage: allocrun.sh <repo> <out prefix>: closed loop 32 with counters; prints allocated KB per lead in the closed window
cd $1/LeadHub.Bench/bin/Release/net10.0 && (dotnet LeadHub.Bench.dll --closed-loop 32 --buyer-latency 0 --duration 20 --warmup 20 --no-baseline > $2.log 2>&1 &)
for i in $(seq 1 900); do pid=$(grep -oP "LeadHub: .* as pid \K[0-9]+" $2.log 2>/dev/null | head -1); [ -n "$pid" ] && break; sleep 0.2; done
timeout 45 ~/.dotnet/tools/dotnet-counters collect -p $pid --refresh-interval 2 --counters System.Runtime --format csv -o $2.csv > /dev/null 2>&1
while ! grep -q "peak working set" $2.log; do sleep 1; done
python3 - $2.csv $2.log <<'PY'
import csv,sys,re
vals=[float(r[4]) for r in csv.reader(open(sys.argv[1])) if len(r)>4 and r[2].startswith('dotnet.gc.heap.total_allocated')]
cpu=[float(r[4]) for r in csv.reader(open(sys.argv[1])) if len(r)>4 and r[2].startswith('dotnet.process.cpu.time')]
log=open(sys.argv[2]).read()
rate=float(re.search(r"^LeadHub\s+closed\s+32 conn\s+(\d+)",log,re.M).group(1))
v=sorted(vals[2:-1]); per_s=v[len(v)//2]/2
print(f"closed {rate:.0f} leads/s, allocated {per_s/1e6:.0f} MB/s = {per_s/rate/1e3:.1f} KB per lead (median of {len(v)} 2-s samples)")
PY
