PG="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
(cd /tmp/after7-bin && dotnet LeadHub.Bench.dll --cold --buyer-latency 0 --postgres "$PG" --attempts 1 --leadhub-dll /tmp/after7-bin/LeadHub.Web.dll) > /tmp/m13/cold-pg-after7.txt 2>&1
