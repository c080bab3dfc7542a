CS="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
for i in 1 2 3; do
 for v in before after2; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 400 --duration 20 --warmup 20 --no-baseline --attempts 1 --postgres "$CS" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m2/$v-$i.txt 2>&1
 done
done
