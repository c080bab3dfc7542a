CS="Host=127.0.0.1;Port=56612;Username=postgres;Database=postgres"
for i in 1 2; do
 for v in before after2; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --writer --duration 10 --postgres "$CS") > /tmp/m5/$v-$i.txt 2>&1
 done
done
