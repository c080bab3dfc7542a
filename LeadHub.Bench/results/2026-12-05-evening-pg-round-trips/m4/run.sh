CS="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
for i in 1 2 3; do
 for v in before after2; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --writer --duration 15 --postgres "$CS") > /tmp/m4/$v-$i.txt 2>&1
 done
done
