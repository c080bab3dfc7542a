CS="Host=127.0.0.1;Port=56611;Username=postgres;Database=postgres"
P="runuser -u postgres -- psql -h 127.0.0.1 -p 56611 -U postgres -d postgres -At"
for v in before after2; do
  $P -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  $P -c "SELECT pg_stat_statements_reset()" >/dev/null
  (cd /tmp/$v-bin && dotnet LeadHub.Bench.dll --rate 400 --duration 20 --warmup 20 --no-baseline --attempts 1 --postgres "$CS" --leadhub-dll /tmp/$v-bin/LeadHub.Web.dll) > /tmp/m3/$v.txt 2>&1
  $P -F ' | ' -c "SELECT calls, round(total_exec_time::numeric,1), rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY calls DESC LIMIT 25" > /tmp/m3/$v-stmts.txt
done
