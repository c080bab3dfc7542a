#!/bin/bash
# Replays each demo campaign with a plan; prints the result JSON.
T=labtoken-0123456789abcdef; B=http://127.0.0.1:5000
from=$(date -u -d '-2 hours' +%FT%TZ); to=$(date -u -d '+1 minute' +%FT%TZ)
plan=${1:-'{"strategy":"waterfall"}'}
for c in auto-insurance solar mortgage; do
  loc=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
    -d "{\"campaign\":\"$c\",\"from\":\"$from\",\"to\":\"$to\",\"plan\":$plan}" $B/api/v1/admin/lab/replays | tr -d '\r' | awk '/^[Ll]ocation:/{print $2}')
  for i in $(seq 1 120); do
    r=$(curl -s -H "Authorization: Bearer $T" $B$loc)
    st=$(echo "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("state"))')
    [ "$st" = done -o "$st" = failed ] && break; sleep 1
  done
  echo "$r" > /tmp/demo/result-$c-$(echo $plan | md5sum | cut -c1-6).json
  echo "== $c $st"
done
