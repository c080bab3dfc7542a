import json,sys,collections
d=json.load(open(sys.argv[1]))
frames=[f['name'] for f in d['shared']['frames']]
c=collections.Counter(); tot=0
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur:
      names=[frames[i] for i in cur]
      if names[-1]=='CPU_TIME':
        w=t-t0; tot+=w; c[names[-2][:140]]+=w
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
for k,w in c.most_common(25): print(f"{100*w/tot:5.1f}% {k}")
