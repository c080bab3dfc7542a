#!/bin/bash
# $1 = before|after, $2 = minutes. Samples both WALs every 0.25 s (the checkpoint runs every second: 5 s samples alias).
d=/tmp/before; [ "$1" = after ] && d=/work/main
out=/tmp/ab/soak-$1.txt; wal=/tmp/ab/wal-$1.txt; : > $wal
dotnet $d/LeadHub.Bench/bin/Release/net10.0/LeadHub.Bench.dll --rate 650 --soak $2 --no-baseline > $out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
  dir=$(ls -td /tmp/leadhub-bench-*/ 2>/dev/null | head -1)
  [ -n "$dir" ] && echo "$(date +%s.%N | cut -c1-13) $(stat -c %s ${dir}leadhub.db-wal 2>/dev/null || echo 0) $(stat -c %s ${dir}leadhub-jobs.db-wal 2>/dev/null || echo 0)" >> $wal
  sleep 0.25
done
