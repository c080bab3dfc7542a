CS="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
for i in 1 2 3 4; do
 for v in main noside; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 450 --duration 20 --warmup 10 --no-baseline --attempts 1 --postgres "$CS" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m16/pg450-$v-$i.txt 2>&1
 done
done
