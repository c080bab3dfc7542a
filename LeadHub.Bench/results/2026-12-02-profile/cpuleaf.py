# CPU samples by frame: exclusive (the leaf, default), or with --inclusive [pattern] every frame on
# the stack (optionally only frames containing pattern), as closed-loop-profile-before.txt was made.
import json,sys,collections
d=json.load(open(sys.argv[1]))
inclusive=len(sys.argv)>2 and sys.argv[2]=='--inclusive'
pat=sys.argv[3] if inclusive and len(sys.argv)>3 else None
frames=[f['name'] for f in d['shared']['frames']]
c=collections.Counter(); tot=0
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur:
      names=[frames[i] for i in cur]
      if names[-1]=='CPU_TIME':
        w=t-t0; tot+=w
        for n in (set(names[:-1]) if inclusive else [names[-2]]): c[n[:150]]+=w
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
for k,w in c.most_common(400 if inclusive else 25):
  if pat is None or pat in k: print(f"{100*w/tot:5.1f}% {k}")
