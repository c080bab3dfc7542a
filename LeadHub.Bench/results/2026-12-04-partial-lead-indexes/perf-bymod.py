import re,sys,collections
f=sys.argv[1]
import subprocess
out=subprocess.run(["perf","report","-i",f,"--no-children","--sort","dso,sym","--stdio","-g","none"],capture_output=True,text=True).stdout
agg=collections.Counter(); ns=collections.Counter()
for line in out.splitlines():
    m=re.match(r'\s+([\d.]+)%\s+(\S.*?)\s+\[(.)\]\s+(.*)$',line)
    if not m: continue
    pct=float(m.group(1)); dso=m.group(2).strip(); sym=m.group(4)
    if dso.startswith('[JIT]'):
        mm=re.search(r'\[([A-Za-z0-9_.]+)\] ([A-Za-z0-9_.`+<>]+)::',sym)
        if mm:
            asm=mm.group(1); typ=mm.group(2)
            agg['jit:'+asm]+=pct
            ns['.'.join(typ.split('.')[:3])]+=pct
        else:
            agg['jit:?'+sym[:30]]+=pct
    else:
        agg[dso]+=pct
for k,v in agg.most_common(40): print(f"{v:6.2f} {k}")
print()
for k,v in ns.most_common(40): print(f"{v:6.2f} {k}")
