import re,sys,collections
def load(f):
    d=collections.defaultdict(lambda:[0,0])
    for line in open(f):
        m=re.match(r'\s*([\d,]+)\s+([\d,]+)\s+(.*?)(\s+\(Bytes > [\dK]+\))?\s+\[(.*)\]\s*$',line)
        if not m: continue
        t=m.group(3)
        d[t][0]+=int(m.group(1).replace(",",""))*int(m.group(2).replace(",",""))
        d[t][1]+=int(m.group(2).replace(',',''))
    return d
a=load(sys.argv[1]); b=load(sys.argv[2])
rows=[(b[t][0]-a.get(t,[0,0])[0], b[t][1]-a.get(t,[0,0])[1], t) for t in set(a)|set(b)]
for t in set(a)-set(b): pass
rows.sort(reverse=True)
for r in rows[:40]: print(f"{r[0]:>12,} {r[1]:>9,}  {r[2][:150]}")
print('...')
for r in rows[-8:]: print(f"{r[0]:>12,} {r[1]:>9,}  {r[2][:150]}")
