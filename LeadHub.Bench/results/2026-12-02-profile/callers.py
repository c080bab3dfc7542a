import json,sys,collections
d=json.load(open(sys.argv[1])); target=sys.argv[2]; depth=int(sys.argv[3]) if len(sys.argv)>3 else 4
frames=[f['name'] for f in d['shared']['frames']]
c=collections.Counter(); tot=0
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur:
      names=[frames[i] for i in cur]
      for k,n in enumerate(names):
        if target in n:
          key=' <- '.join(x.split('!')[-1][:90] for x in reversed(names[max(0,k-depth):k+1]))
          c[key]+=t-t0; tot+=t-t0; break
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
for k,w in c.most_common(15): print(f"{w/1000:8.1f}ms {k}")
print('total',tot/1000)
