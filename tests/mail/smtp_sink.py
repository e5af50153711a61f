"""A real SMTP server for the mail tests: it accepts every message over TCP on 127.0.0.1 and
appends it, as one JSON line, to a file the test reads.

Usage: python smtp_sink.py --port PORT --out FILE [--refuse CODE]
                          [--tls starttls|implicit --cert PEM --key PEM]

Each line: {"mail_from": ..., "rcpt_tos": [...], "data": "<the message as received>",
"tls": "TLSv1.3" or null}, the last naming the TLS version the message came over (null: plain).
With --refuse 550 (or any code) every message is answered with that code instead of being
kept, so a test can see what Platina does with a refusal. With --tls starttls the server offers
STARTTLS and refuses mail before it (aiosmtpd's require_starttls); with --tls implicit it speaks
TLS from the first byte (SMTPS). Both present the certificate chain --cert with its key --key.
The server prints "ready" on its first line of output once it listens, and stops when its
standard input closes or it is terminated.
"""

import argparse
import asyncio
import json
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP


def tls_version(server):
    """The TLS version of the connection a message came over, None for plain text."""
    tls = server.transport.get_extra_info("ssl_object") if server.transport else None
    return tls.version() if tls else None


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
            "tls": tls_version(server),
        }
        with open(self.out_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


async def serve(port, out_path, refuse, tls, cert, key):
    loop = asyncio.get_running_loop()
    handler = Sink(out_path, refuse)
    context = None
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    starttls = context if tls == "starttls" else None
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="sink.test",
            enable_SMTPUTF8=True,
            tls_context=starttls,
            require_starttls=starttls is not None,
        ),
        host="127.0.0.1",
        port=port,
        ssl=context if tls == "implicit" else None,
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
    parser.add_argument("--tls", choices=["starttls", "implicit"], default=None)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    if args.tls and not (args.cert and args.key):
        parser.error("--tls needs --cert and --key")
    asyncio.run(serve(args.port, args.out, args.refuse, args.tls, args.cert, args.key))


if __name__ == "__main__":
    main()
