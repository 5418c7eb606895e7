"""The hub and core benchmarks of corio, written with gevent, greenlet and
CPython generators: the same work per operation, printed in Go's benchmark
format (one line each) so that benchstat compares them with corio's.

    python3 bench/python/gevent_bench.py   (Debian: python3-gevent)
"""
import time

import gevent
import gevent.event
import greenlet


def per_op(fn, n):
    start = time.perf_counter_ns()
    fn(n)
    return (time.perf_counter_ns() - start) / n


def spawn_join(n):
    # corio's BenchmarkSpawnJoin: tasks spawned in batches of 10,000 and joined.
    def body():
        pass
    done = 0
    while done < n:
        batch = min(10000, n - done)
        gevent.joinall([gevent.spawn(body) for _ in range(batch)])
        done += batch


def sleep0(n):
    # BenchmarkSleep0: one sleep(0) with another task ready (one switch each way).
    stop = False

    def other():
        while not stop:
            gevent.sleep(0)
    g = gevent.spawn(other)
    gevent.sleep(0)
    for _ in range(n):
        gevent.sleep(0)
    stop = True
    g.join()


def event_handoff(n):
    # BenchmarkEventHandoff: a round trip between two tasks through two events.
    ping, pong = gevent.event.Event(), gevent.event.Event()

    def other():
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()
    g = gevent.spawn(other)
    for _ in range(n):
        ping.set()
        pong.wait()
        pong.clear()
    g.join()


def greenlet_switch(n):
    # corio's BenchmarkGreenletSwitch: a round trip, two switches.
    def other(x):
        while True:
            x = main.switch(x)
    main = greenlet.getcurrent()
    g = greenlet.greenlet(other)
    for i in range(n):
        g.switch(i)


def generator_send(n):
    # corio's BenchmarkGeneratorSend: a send round trip.
    def gen():
        x = yield
        while True:
            x = yield x
    g = gen()
    next(g)
    for i in range(n):
        g.send(i)


for name, fn, n in [
    ("SpawnJoin", spawn_join, 200000),
    ("Sleep0", sleep0, 500000),
    ("EventHandoff", event_handoff, 200000),
    ("GreenletSwitch", greenlet_switch, 1000000),
    ("GeneratorSend", generator_send, 2000000),
]:
    print("Benchmark%s %d %.1f ns/op" % (name, n, per_op(fn, n)), flush=True)
