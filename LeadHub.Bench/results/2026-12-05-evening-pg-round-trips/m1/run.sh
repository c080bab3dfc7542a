CS="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
for i in 1 2; do
 for v in before after; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --closed-loop 32 --buyer-latency 0 --duration 20 --warmup 20 --no-baseline --postgres "$CS" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m1/$v-$i.txt 2>&1
 done
done
