import sqlite3,struct,sys,collections,os,shutil
d=sys.argv[1]
db=os.path.join(d,'leadhub.db'); wal=db+'-wal'
# parse WAL frames
frames=collections.Counter(); commits=0; n=0
with open(wal,'rb') as f:
    hdr=f.read(32)
    psz=struct.unpack('>I',hdr[8:12])[0]
    while True:
        fh=f.read(24)
        if len(fh)<24: break
        pg,commit=struct.unpack('>II',fh[:8])
        if len(f.read(psz))<psz: break
        frames[pg]+=1; n+=1
        if commit: commits+=1
# copy for reading (sqlite will use the wal)
work='/tmp/walx/work'; shutil.rmtree(work,ignore_errors=True); os.makedirs(work)
shutil.copy(db,work); shutil.copy(wal,work)
c=sqlite3.connect(os.path.join(work,'leadhub.db'))
leads=c.execute("select count(*) from Leads").fetchone()[0]
owner={}
for name,pageno in c.execute("select name,pageno from dbstat"):
    owner[pageno]=name
by=collections.Counter(); distinct=collections.Counter()
for pg,k in frames.items():
    nm=owner.get(pg,'?free/other'); by[nm]+=k; distinct[nm]+=1
print(f"frames {n}, commits {commits}, leads {leads}, frames/lead {n/leads:.2f}, frames/commit {n/commits:.1f}, leads/commit {leads/commits:.1f}")
for nm,k in by.most_common(30): print(f"{k:9d} {k/leads:6.2f}/lead {k/commits:7.2f}/commit  distinct pages {distinct[nm]:7d}  {nm}")
