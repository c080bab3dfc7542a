for i in 1 2; do
 for v in kb after7; do
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 25 --duration 20 --warmup 10 --buyer-latency 0 --no-baseline --attempts 1 --idempotency-keys --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m12/sq25-keyed-$v-$i.txt 2>&1
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --closed-loop 32 --buyer-latency 0 --duration 20 --warmup 20 --no-baseline --attempts 1 --idempotency-keys --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m12/sqcl-keyed-$v-$i.txt 2>&1
 done
done
