# A TCP proxy that holds every chunk for DELAY seconds each way: a database "across the network".
import asyncio, socket, sys, time, collections
LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
async def pump(reader, writer):
    q = collections.deque(); ev = asyncio.Event(); done = False
    async def out():
        while True:
            while not q:
                if done: writer.close(); return
                ev.clear(); await ev.wait()
            at, data = q[0]
            wait = at - time.monotonic()
            if wait > 0: await asyncio.sleep(wait)
            q.popleft()
            if data is None: writer.close(); return
            writer.write(data); await writer.drain()
    t = asyncio.create_task(out())
    try:
        while True:
            data = await reader.read(65536)
            q.append((time.monotonic() + DELAY, data or None)); ev.set()
            if not data: break
    finally:
        done = True; ev.set(); await t
async def handle(r1, w1):
    r2, w2 = await asyncio.open_connection('127.0.0.1', TARGET)
    for w in (w1, w2): w.get_extra_info('socket').setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pump(r1, w2), pump(r2, w1), return_exceptions=True)
async def main():
    s = await asyncio.start_server(handle, '127.0.0.1', LISTEN)
    async with s: await s.serve_forever()
asyncio.run(main())
