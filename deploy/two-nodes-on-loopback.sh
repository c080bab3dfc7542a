#!/usr/bin/env bash
# Two LeadHub nodes on one PostgreSQL database behind nginx (deploy/nginx.conf), all on loopback:
# the README "Scaling out" check. Needs a PostgreSQL server (LEADHUB_PG, default 127.0.0.1:55432,
# user postgres) and psql; installs Debian's nginx when missing. Run from the repository root after
# `dotnet build`; it starts node 1 (:5001, with the demo workspace) and node 2 (:5002), nginx on :8080,
# posts 20 leads and an Idempotency-Key repeat through nginx, then stops everything.
set -u
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
PGS="${LEADHUB_PG:-Host=127.0.0.1;Port=55432;Username=postgres}"
PGHOST_ARGS="${LEADHUB_PSQL_ARGS:--h 127.0.0.1 -p 55432 -U postgres}"
psql $PGHOST_ARGS -qc 'DROP DATABASE IF EXISTS leadhub_nginx WITH (FORCE)' -c 'CREATE DATABASE leadhub_nginx'
export LeadHub__Database__Provider=Postgres ConnectionStrings__LeadHub="$PGS;Database=leadhub_nginx" LeadHub__AdminApiToken=nginx-test-admin-token-0123456789 LeadHub__Sandbox__Enabled=true LeadHub__DemoLeadsPerSecond=0
rm -rf /tmp/leadhub-nginx; mkdir -p /tmp/leadhub-nginx
(ASPNETCORE_ENVIRONMENT=Development LeadHub__Demo=true dotnet LeadHub.Web/bin/Debug/net10.0/LeadHub.Web.dll --urls http://127.0.0.1:5001 > /tmp/leadhub-nginx/node1.log 2>&1 &)
for i in $(seq 60); do curl -sf http://127.0.0.1:5001/health/ready >/dev/null && break; sleep 1; done
(ASPNETCORE_ENVIRONMENT=Production LeadHub__Demo=false dotnet LeadHub.Web/bin/Debug/net10.0/LeadHub.Web.dll --urls http://127.0.0.1:5002 > /tmp/leadhub-nginx/node2.log 2>&1 &)
for i in $(seq 60); do curl -sf http://127.0.0.1:5002/health/ready >/dev/null && break; sleep 1; done
nginx -c "$PWD/deploy/nginx.conf" -p /tmp/leadhub-nginx/
for i in $(seq 20); do curl -sf http://127.0.0.1:8080/health/ready >/dev/null && break; sleep 0.5; done
echo "ready: node1 $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5001/health/ready) node2 $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5002/health/ready) nginx $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/health/ready)"
KEY=$(grep -E '^\s+blue-media\s' /tmp/leadhub-nginx/node1.log | awk '{print $2}' | head -1)
echo "blue-media key: ${KEY:0:6}…"
for i in $(seq 1 20); do
  curl -s -D /tmp/leadhub-nginx/h.$i -o /tmp/leadhub-nginx/b.$i -X POST http://127.0.0.1:8080/api/v1/leads \
    -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -H "Idempotency-Key: nginx-$i" \
    -d "{ \"campaign\": \"auto-insurance\", \"fields\": { \"first_name\": \"Ana\", \"last_name\": \"Ruiz\", \"email\": \"ana.$i.$RANDOM@example.com\", \"phone\": \"+1 415 555 $(printf %04d $((1000+i)))\", \"zip\": \"94107\", \"state\": \"CA\", \"age\": 34, \"homeowner\": true, \"tcpa_consent\": true } }" &
done; wait
echo "answers by node:"; grep -h -i x-leadhub-node /tmp/leadhub-nginx/h.* | sort | uniq -c
echo "statuses:"; cat /tmp/leadhub-nginx/b.* | grep -oE '"status":"[a-z]+"' | sort | uniq -c
# The same Idempotency-Key again, twice at once: same lead id as the first answer.
first=$(grep -oE '"leadId":"[^"]+"' /tmp/leadhub-nginx/b.1)
for j in 1 2; do curl -s -X POST http://127.0.0.1:8080/api/v1/leads -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -H "Idempotency-Key: nginx-1" \
  -d "{ \"campaign\": \"auto-insurance\", \"fields\": { \"first_name\": \"Ana\", \"last_name\": \"Ruiz\", \"email\": \"x@example.com\", \"phone\": \"+1 415 555 0001\", \"zip\": \"94107\", \"state\": \"CA\", \"age\": 34, \"homeowner\": true, \"tcpa_consent\": true } }" | grep -oE '"leadId":"[^"]+"' & done; wait
echo "first answer: $first"
echo "portal via nginx: / -> $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/) /account/login -> $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/account/login) /_framework/blazor.web.js -> $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/_framework/blazor.web.js)"
echo "hangfire via nginx (no login): $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/hangfire)"
nginx -c "$PWD/deploy/nginx.conf" -p /tmp/leadhub-nginx/ -s stop
pkill -f "LeadHub.Web.dll --urls http://127.0.0.1:500"
