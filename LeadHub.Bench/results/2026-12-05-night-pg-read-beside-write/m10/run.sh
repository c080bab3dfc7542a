PX="Host=127.0.0.1;Port=56612;Username=postgres;Database=postgres"
for i in 1 2 3; do
 for v in after3 after6; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 25 --duration 20 --warmup 10 --buyer-latency 0 --no-baseline --attempts 1 --postgres "$PX" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m10/px25-$v-$i.txt 2>&1
 done
done
