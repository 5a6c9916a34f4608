"""`python -m bench <scenario>`: burst, intake, latency, memory, aged, or all."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform

from bench import aged, cluster, scenarios


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="scenario", required=True)
    b = sub.add_parser("burst", help="N users prompt at once; tasks take ~4 s")
    b.add_argument("--users", type=int, default=1000)
    b.add_argument("--duration", type=float, default=4.0)
    i = sub.add_parser("intake", help="prompts accepted per second with many tasks open")
    i.add_argument("--open", type=int, default=1000)
    i.add_argument("--more", type=int, default=500)
    i.add_argument("--rps", type=float, default=25.0, help="GPTUNNEL_MAX_RPS for the bot")
    lat = sub.add_parser("latency", help="ready upstream → photo sent")
    lat.add_argument("--tasks", type=int, default=20)
    m = sub.add_parser("memory", help="peak RSS with many tasks open")
    m.add_argument("--open", type=int, default=5000)
    a = sub.add_parser("aged", help="intake and lag with 1M finished tasks vs an empty table")
    a.add_argument("--finished", type=int, default=1_000_000)
    a.add_argument("--rounds", type=int, default=2)
    sub.add_parser("all", help="every scenario with its defaults")
    sub.add_parser("postgres", help="intake, latency and memory on PostgreSQL beside SQLite")
    c = sub.add_parser("cluster", help="three processes on PostgreSQL, one killed mid-burst")
    c.add_argument("--users", type=int, default=1000)
    c.add_argument("--processes", type=int, default=3)
    for scenario in (b, i, lat, m):
        scenario.add_argument(
            "--database",
            choices=("sqlite", "postgresql"),
            default="sqlite",
            help="where the bot keeps its state (postgresql: BENCH_DATABASE_URL or the test one)",
        )
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if args.scenario == "burst":
        asyncio.run(scenarios.burst(args.users, args.duration, db=args.database))
    elif args.scenario == "intake":
        asyncio.run(scenarios.intake(args.open, args.more, args.rps, db=args.database))
    elif args.scenario == "latency":
        asyncio.run(scenarios.latency(args.tasks, db=args.database))
    elif args.scenario == "memory":
        asyncio.run(scenarios.memory(args.open, db=args.database))
    elif args.scenario == "postgres":

        async def both() -> None:
            for db in ("sqlite", "postgresql"):
                await scenarios.intake(db=db)
                await scenarios.latency(db=db)
                await scenarios.memory(db=db)

        asyncio.run(both())
    elif args.scenario == "cluster":
        asyncio.run(cluster.failover(args.users, args.processes))
    elif args.scenario == "aged":
        asyncio.run(aged.aged(args.finished, rounds=args.rounds))
    else:

        async def every() -> None:
            await scenarios.burst()
            await scenarios.intake()
            await scenarios.latency()
            await scenarios.memory()

        asyncio.run(every())


if __name__ == "__main__":
    main()
