PG="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
for v in after3 after7; do
(cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --cold --buyer-latency 0 --postgres "$PG" --attempts 1 --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m13/cold-pg-$v-2.txt 2>&1
done
