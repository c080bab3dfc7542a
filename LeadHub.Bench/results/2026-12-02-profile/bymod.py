import json,sys,collections
d=json.load(open(sys.argv[1]))
frames=[f['name'] for f in d['shared']['frames']]
mod=collections.Counter(); top=collections.Counter(); tot=0
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur:
      names=[frames[i] for i in cur]
      if names[-1]=='CPU_TIME':
        w=t-t0; tot+=w
        leaf=names[-2]
        mod[leaf.split('!')[0]]+=w
        # first LeadHub frame from the leaf upward
        lh=next((n for n in reversed(names) if n.startswith('LeadHub')), '(no LeadHub frame)')
        top[lh.split('(')[0][:120]]+=w
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
print('CPU total',tot)
for k,w in mod.most_common(25): print(f"{100*w/tot:5.1f}% {k}")
print('--- nearest LeadHub frame')
for k,w in top.most_common(30): print(f"{100*w/tot:5.1f}% {k}")
