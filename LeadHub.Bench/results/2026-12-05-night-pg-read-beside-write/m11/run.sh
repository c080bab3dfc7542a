PX="Host=127.0.0.1;Port=56612;Username=postgres;Database=postgres"
for i in 1 2; do
 for v in kb after7; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --writer --duration 10 --idempotency-keys --postgres "$PX") > /tmp/m11/pxwriter-keyed-$v-$i.txt 2>&1
 done
done
for i in 1 2; do
 for v in kb after7; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --writer --duration 10 --idempotency-keys) > /tmp/m11/sqwriter-keyed-$v-$i.txt 2>&1
 done
done
