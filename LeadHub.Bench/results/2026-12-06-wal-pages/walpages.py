import sys, struct, sqlite3, collections, shutil, os
# usage: walpages.py <db copy> <wal copy>
db, wal = sys.argv[1], sys.argv[2]
data = open(wal,'rb').read()
magic, ver, psz, ckseq, salt1, salt2, c1, c2 = struct.unpack('>8I', data[:32])
frames = []
off = 32
commits = 0
while off + 24 + psz <= len(data):
    pg, dbsize, s1, s2, k1, k2 = struct.unpack('>6I', data[off:off+24])
    if (s1, s2) != (salt1, salt2): break
    frames.append(pg)
    if dbsize: commits += 1
    off += 24 + psz
# map pages to btrees using a copy with the wal applied
tmp = '/tmp/walx/map.db'
for suf in ('', '-wal', '-shm'):
    if os.path.exists(tmp+suf): os.remove(tmp+suf)
shutil.copy(db, tmp); shutil.copy(wal, tmp+'-wal')
con = sqlite3.connect(tmp)
owner = {}
for name, pageno, pagetype in con.execute("select name, pageno, pagetype from dbstat"):
    owner[pageno] = (name, pagetype)
c = collections.Counter()
for pg in frames: c[owner.get(pg, ('?', '?'))] += 1
leads = None
print(f"frames {len(frames)}, commits {commits}, frames/commit {len(frames)/max(commits,1):.2f}")
for (name, t), n in c.most_common(40):
    print(f"{n:7d} {100*n/len(frames):5.1f}% {n/max(commits,1):6.2f}/commit  {name} {t}")
