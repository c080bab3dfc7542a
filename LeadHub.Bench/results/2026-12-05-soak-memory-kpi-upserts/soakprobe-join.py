import csv,sys,collections
rows=collections.OrderedDict()
want={'dotnet.process.memory.working_set (By)':'ws','dotnet.gc.last_collection.memory.committed_size (By)':'committed',
'dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=gen2]':'gen2','dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=gen0]':'gen0',
'dotnet.gc.last_collection.heap.size (By)[gc.heap.generation=loh]':'loh','dotnet.gc.last_collection.heap.fragmentation.size (By)[gc.heap.generation=gen2]':'gen2frag',
'dotnet.gc.collections ({collection} / 10 sec)[gc.heap.generation=gen2]':'g2/10s','dotnet.thread_pool.thread.count ({thread} / 10 sec)':'threads'}
for r in csv.reader(open(sys.argv[1])):
    if len(r)<5 or r[2] not in want: continue
    rows.setdefault(r[0],{})[want[r[2]]]=float(r[4])
print("time      ws MB  committed  gen0  gen2  gen2frag  loh  g2/10s threads")
for t,v in rows.items():
    m=lambda k: v.get(k,0)/1e6
    print(f"{t[11:]} {m('ws'):6.0f} {m('committed'):9.0f} {m('gen0'):5.0f} {m('gen2'):5.0f} {m('gen2frag'):8.0f} {m('loh'):4.0f} {v.get('g2/10s',0):6.0f} {v.get('threads',0):6.0f}")
