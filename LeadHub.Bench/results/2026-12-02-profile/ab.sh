#!/bin/bash
# ab.sh <label> <dll> [env...]: closed loop 32, instant buyers, 20 s after 20 s warm-up; prints the closed row
label=$1; dll=$2; shift 2
cd /work/main
env "$@" timeout 200 dotnet run -c Release --no-build --project LeadHub.Bench -- --closed-loop 32 --buyer-latency 0 --duration 20 --warmup 20 --no-baseline --jit --leadhub-dll $dll > /tmp/prof/ab-$label.txt 2>&1
echo "$label $(grep -E '^LeadHub +closed' /tmp/prof/ab-$label.txt)"
