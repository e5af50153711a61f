"""A real SMTP server for the mail tests: it accepts every message over TCP on 127.0.0.1 and
appends it, as one JSON line, to a file the test reads.

Usage: python smtp_sink.py --port PORT --out FILE [--refuse CODE]

Each line: {"mail_from": ..., "rcpt_tos": [...], "data": "<the message as received>"}.
With --refuse 550 (or any code) every message is answered with that code instead of being
kept, so a test can see what Platina does with a refusal. The server prints "ready" on its first
line of output once it listens, and stops when its standard input closes or it is terminated.
"""

import argparse
import asyncio
import json
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out_path, refuse):
        self.out_path = out_path
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return f"{self.refuse} refused by the test sink"
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": envelope.original_content.decode("utf-8", errors="replace"),
        }
        with open(self.out_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


async def serve(port, out_path, refuse):
    loop = asyncio.get_running_loop()
    handler = Sink(out_path, refuse)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=port,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The test holds our standard input open; when it goes away, so do we.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(1) else None)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--refuse", default="")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.out, args.refuse))


if __name__ == "__main__":
    main()
