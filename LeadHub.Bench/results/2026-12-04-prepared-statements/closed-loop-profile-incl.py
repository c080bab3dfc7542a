import json,sys,collections
d=json.load(open(sys.argv[1]))
frames=[f['name'] for f in d['shared']['frames']]
inc=collections.Counter(); exc=collections.Counter(); tot=0
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur:
      names=[frames[i] for i in cur]
      if names[-1]=='CPU_TIME':
        w=t-t0; tot+=w; exc[names[-2][:150]]+=w
        for n in set(names[:-1]): inc[n[:150]]+=w
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
pat=sys.argv[2] if len(sys.argv)>2 else None
print("total CPU", tot)
for k,w in inc.most_common(400):
  if pat is None or pat in k: print(f"{100*w/tot:5.1f}% {k}")
