import os,time,datetime,sys
hz=os.sysconf('SC_CLK_TCK')
def vm():
    d={}
    for l in open('/proc/vmstat'):
        k,v=l.split(); d[k]=int(v)
    return d
def snap():
    d={}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            s=open(f'/proc/{p}/stat').read()
            r=s.rindex(')'); comm=s[s.index('(')+1:r]; f=s[r+2:].split()
            d[int(p)]=(comm,int(f[11])+int(f[12]),int(f[9]))
        except Exception: pass
    return d
def st():
    f=open('/proc/stat').readline().split()[1:9]
    return [int(x) for x in f]
def psi():
    l=open('/proc/pressure/cpu').readline().split()
    return int(l[4].split('=')[1])
prev=snap(); pv=vm(); ps=st(); pp=psi()
while True:
    time.sleep(1)
    cur=snap(); cv=vm(); cs=st(); cp=psi(); d=[a-b for a,b in zip(cs,ps)]; sd=sum(d) or 1; ts=datetime.datetime.utcnow().strftime('%H:%M:%S')
    deltas=sorted(((cur[p][1]-(prev[p][1] if p in prev else 0), p, cur[p][0]) for p in cur), reverse=True)[:4]
    faults=sorted(((cur[p][2]-(prev[p][2] if p in prev else 0), p, cur[p][0]) for p in cur), reverse=True)[:3]
    tot=sum((cur[p][1]-prev.get(p,(0,0,0))[1]) for p in cur)
    v=' '.join(f'{k}={cv[k]-pv[k]}' for k in ('pgmajfault','workingset_refault_file','pgpgin','pgpgout'))
    print(ts, f'tot={tot/hz:.2f}', 'stat(us,ni,sy,id,wa,hi,si,st)=' + ','.join(str(x) for x in d), f'psi_some_ms={(cp-pp)/1000:.0f}', v, 'cpu:', ' '.join(f'{c}:{p}={d/hz:.2f}' for d,p,c in deltas), 'majflt:', ' '.join(f'{c}:{p}={d}' for d,p,c in faults if d), flush=True)
    prev=cur; pv=cv; ps=cs; pp=cp
