import sys
rows=[l.split() for l in open(sys.argv[1]) if len(l.split())==3]
rows=[(float(t),int(a),int(b)) for t,a,b in rows]
t0=rows[0][0]; end=rows[-1][0]
# the soak is the last N minutes before the end; report per-minute max of the leads WAL and the jobs WAL at the end
mins={}
for t,a,b in rows:
    m=int((t-t0)//60); mins.setdefault(m,[0,0]); mins[m][0]=max(mins[m][0],a); mins[m][1]=max(mins[m][1],b)
print("per minute since start (warm-up first): leads WAL max MB / jobs WAL max MB")
for m in sorted(mins): print(f"  min {m}: {mins[m][0]/1048576:6.1f} / {mins[m][1]/1048576:5.1f}")
print(f"overall leads WAL max {max(a for _,a,_ in rows)/1048576:.1f} MB; samples {len(rows)}")
