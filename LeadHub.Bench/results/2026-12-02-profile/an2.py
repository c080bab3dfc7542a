import json,sys,collections
d=json.load(open(sys.argv[1]))
frames=[f['name'] for f in d['shared']['frames']]
WAIT=('WaitHandle','Monitor.Wait','LowLevelLifoSemaphore','WaitOne','Sleep','SemaphoreSlim.Wait','WaitForSocketEvents','LowLevelMonitor','ManualResetEventSlim.Wait','SpinWait','Join','WaitSubsystem','SpinThenBlockingWait','ObjectWait','WaitNative','WaitCore','Read(','poll','Accept','Receive','ReadLine','WaitForSignal')
incl=collections.Counter(); excl=collections.Counter(); total=0; kinds=collections.Counter()
def add(names,w):
  global total
  kind=names[-1]
  if kind=='UNMANAGED_CODE_TIME':
    parent=names[-2] if len(names)>1 else ''
    if any(x in parent for x in WAIT): kinds['wait']+=w; return
  kinds[kind]+=w
  total+=w
  excl[names[-2] if len(names)>1 else '?']+=w
  for n in set(names): incl[n]+=w
for p in d['profiles']:
  cur=[];t0=None
  for e in p['events']:
    t=e['at']
    if t0 is not None and cur: add([frames[i] for i in cur], t-t0)
    t0=t
    if e['type']=='O': cur.append(e['frame'])
    elif cur: cur.pop()
print('kinds',kinds,'total',total)
print('--- exclusive (leaf before pseudo)')
for n,w in excl.most_common(60): print(f"{100*w/total:5.1f} {n[:160]}")
print('--- inclusive')
for n,w in incl.most_common(200): print(f"{100*w/total:5.1f} {n[:160]}")
