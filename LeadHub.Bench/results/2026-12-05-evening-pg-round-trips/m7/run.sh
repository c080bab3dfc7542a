PX="Host=127.0.0.1;Port=56612;Username=postgres;Database=postgres"
for i in 1 2; do
 for v in before after3 after4; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 25 --duration 20 --warmup 10 --buyer-latency 0 --no-baseline --attempts 1 --postgres "$PX" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m7/px25-$v-$i.txt 2>&1
 done
done
for v in before after3; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --writer --duration 10 --postgres "$PX") > /tmp/m7/pxwriter-$v.txt 2>&1
done
for i in 1 2; do
 for v in before after4; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 25 --duration 20 --warmup 10 --buyer-latency 0 --no-baseline --attempts 1 --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m7/sq25-$v-$i.txt 2>&1
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --closed-loop 32 --buyer-latency 0 --duration 20 --warmup 20 --no-baseline --attempts 1 --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m7/sqcl-$v-$i.txt 2>&1
 done
done
