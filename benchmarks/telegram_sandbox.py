"""How much the Telegram sandbox carries.

1. Raw capacity: sendMessage requests per second with flood control off.
2. Broadcast at Telegram's limits ×10 (300 messages/s across chats): a sender that honours
   ``retry_after``, as the delivery worker does; accepted messages per second and 429s.
3. Registration burst: users created at once, each pressing START at the same moment, and a bot
   (long polling, replying to every /start) answering all of them.

Run:  .venv/bin/python benchmarks/telegram_sandbox.py [--messages 3000] [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from gedsi_bot.sandbox.telegram import (
    AsyncSandboxClient,
    FloodLimits,
    SandboxConfig,
    TelegramSandbox,
)


def cpu_seconds(process_id: int | None) -> float:
    """CPU time (user + system) the sandbox's process has used so far."""
    assert process_id is not None
    fields = Path(f"/proc/{process_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sent:
    latencies: list[float]
    refused: int
    seconds: float
    server_cpu: float = 0.0

    @property
    def cpu_per_message_us(self) -> float:
        return self.server_cpu / max(1, len(self.latencies) + self.refused) * 1e6

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def broadcast(
    sandbox: TelegramSandbox, chat_ids: list[int], *, messages: int, concurrency: int
) -> Sent:
    """Send ``messages`` texts round-robin to ``chat_ids``; wait ``retry_after`` on 429."""
    url = f"{sandbox.api_url}{sandbox.token}/sendMessage"
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(messages):
        queue.put_nowait(chat_ids[number % len(chat_ids)])
    latencies: list[float] = []
    refused = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal refused
        while not queue.empty():
            chat_id = queue.get_nowait()
            while True:
                started = time.perf_counter()
                response = await http.post(
                    url, json={"chat_id": chat_id, "text": "Pengingat: Caring Gedsi #4 besok"}
                )
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                    break
                refused += 1
                await asyncio.sleep(response.json()["parameters"]["retry_after"])

    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        cpu_before = cpu_seconds(sandbox.process_id)
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(sandbox.process_id) - cpu_before
    return Sent(latencies, refused, seconds, server_cpu)


async def registration_burst(sandbox: TelegramSandbox, users: int) -> dict[str, float]:
    """``users`` people created and pressing START at once; a bot answers every one."""
    figures: dict[str, float] = {}
    async with AsyncSandboxClient(sandbox.url) as simulation:
        await simulation.set_flood_limits(FloodLimits().scaled(10))
        started = time.perf_counter()
        batch = await simulation.create_users(users)
        figures["create (one batch call) ms"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        single = await asyncio.gather(
            *(simulation.create_user(f"Kader {n}") for n in range(users))
        )
        figures["create (one call each, concurrent) ms"] = (time.perf_counter() - started) * 1000

        stop = asyncio.Event()
        bot = asyncio.create_task(_answering_bot(sandbox, stop))
        started = time.perf_counter()
        await asyncio.gather(*(simulation.start(user.id, "daftar_4a7f") for user in single))
        figures["all pressed START ms"] = (time.perf_counter() - started) * 1000
        await asyncio.gather(
            *(simulation.wait_for_messages(user.id, 1, timeout=60) for user in single)
        )
        figures["all answered by the bot ms"] = (time.perf_counter() - started) * 1000
        stop.set()
        await bot
        stats = await simulation.stats()
        figures["429s while answering"] = stats.flood_refusals
        figures["users"] = len(batch) + len(single)
    return figures


async def _answering_bot(sandbox: TelegramSandbox, stop: asyncio.Event) -> None:
    """A bot as small as can be: long polling, one reply per /start, honouring 429."""
    root = f"{sandbox.api_url}{sandbox.token}/"
    offset = 0
    async with httpx.AsyncClient(timeout=60) as http:
        while not stop.is_set():
            answer = await http.post(root + "getUpdates", json={"offset": offset, "timeout": 1})
            updates = answer.json()["result"]
            for update in updates:
                offset = update["update_id"] + 1
            await asyncio.gather(
                *(
                    _reply(http, root, update["message"]["chat"]["id"])
                    for update in updates
                    if "message" in update
                )
            )


async def _reply(http: httpx.AsyncClient, root: str, chat_id: int) -> None:
    text = "<b>Terima kasih!</b> Pilih sesi yang ingin Anda ikuti."
    while True:
        response = await http.post(
            root + "sendMessage", json={"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
        )
        if response.status_code != 429:
            return
        await asyncio.sleep(response.json()["parameters"]["retry_after"])


async def main(messages: int, users: int, concurrency: int) -> None:
    off = FloodLimits(enabled=False)
    # The server gets a process of its own: sharing this one's interpreter lock with the load
    # generator would measure the generator.
    with TelegramSandbox(SandboxConfig(flood=off), separate_process=True) as sandbox:
        async with AsyncSandboxClient(sandbox.url) as simulation:
            chat_ids = [user.id for user in await simulation.create_users(1000, started=True)]
        raw = await broadcast(sandbox, chat_ids, messages=messages, concurrency=concurrency)
    paced_config = SandboxConfig(flood=FloodLimits().scaled(10))
    with TelegramSandbox(paced_config, separate_process=True) as sandbox:
        async with AsyncSandboxClient(sandbox.url) as simulation:
            chat_ids = [user.id for user in await simulation.create_users(1000, started=True)]
        paced = await broadcast(sandbox, chat_ids, messages=messages, concurrency=concurrency)
    with TelegramSandbox(separate_process=True) as sandbox:
        burst = await registration_burst(sandbox, users)

    print(f"Telegram sandbox, {messages} messages, {concurrency} concurrent senders")
    for label, sent in (("flood control off", raw), ("Telegram limits ×10", paced)):
        print(
            f"  {label:20s} {sent.rate:6.0f} messages/s  p50 {sent.percentile(0.5):6.1f} ms  "
            f"p95 {sent.percentile(0.95):6.1f} ms  429s {sent.refused:4d}  "
            f"server CPU {sent.cpu_per_message_us:4.0f} µs/request "
            f"(≈{1e6 / sent.cpu_per_message_us:5.0f} requests/s per core)"
        )
    print(f"Registration burst ({users} users, flood limits ×10)")
    for name, value in burst.items():
        print(f"  {name:40s} {value:8.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.users, arguments.concurrency))
