import csv,collections,sys
f=sys.argv[1]; lo=sys.argv[2]; hi=sys.argv[3]
rows=collections.defaultdict(dict)
want={'dotnet.gc.pause.time (s / 1 sec)':'gcpause','dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]':'g2','dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen1]':'g1','dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]':'g0',
'dotnet.thread_pool.queue.length ({work_item} / 1 sec)':'tpq','dotnet.thread_pool.thread.count ({thread} / 1 sec)':'tpthr','dotnet.monitor.lock_contentions ({contention} / 1 sec)':'lockc',
'dotnet.process.cpu.time (s / 1 sec)[cpu.mode=user]':'usr','dotnet.process.cpu.time (s / 1 sec)[cpu.mode=system]':'sys','dotnet.jit.compiled_methods ({method} / 1 sec)':'jit','dotnet.gc.heap.total_allocated (By / 1 sec)':'alloc','Current Connections':'conns','dotnet.thread_pool.work_item.count ({work_item} / 1 sec)':'wi','dotnet.timer.count ({timer})':'timers','dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=gen2]':'gen2sz'}
for r in csv.reader(open(f)):
    if r[2] in want: rows[r[0][11:]][want[r[2]]]=float(r[4])
cols=list(want.values())
print('time    ',' '.join(f'{c:>7}' for c in cols))
for t in sorted(rows):
    if lo<=t<=hi: print(t,' '.join(f'{rows[t].get(c,-1):>7.3g}' for c in cols))
