PX="Host=127.0.0.1;Port=56612;Username=postgres;Database=postgres"
for i in 1 2; do
 for v in kb after7; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 25 --duration 20 --warmup 10 --buyer-latency 0 --no-baseline --attempts 1 --idempotency-keys --postgres "$PX" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m14/px25-keyed-$v-$i.txt 2>&1
 done
done
