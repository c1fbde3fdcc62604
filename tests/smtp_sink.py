"""A real SMTP server for the relay's tests: aiosmtpd on 127.0.0.1.

    python smtp_sink.py PORT DIRECTORY [REFUSED]

Every message received is written to DIRECTORY as <n>.eml (the bytes as received) and <n>.txt
(its plain-text body, decoded, so a test can read the link without a MIME parser of its own).
REFUSED: addresses (comma-separated) the server refuses for good (550), as a mailbox that does
not exist; everything else is accepted. Prints "ready" once it listens; stops when stdin closes or on SIGTERM.
"""

import email
import email.policy
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: Path, refused: set[str]):
        self.directory = directory
        self.refused = refused
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        # The .txt first: a test waits for the .eml, so both are there when it sees it.
        (self.directory / f"{n}.txt").write_text(text, encoding="utf-8")
        part = self.directory / f"{n}.eml.part"
        part.write_bytes(raw)
        part.rename(self.directory / f"{n}.eml")
        return "250 OK"


def main() -> None:
    port = int(sys.argv[1])
    directory = Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    refused = {a.strip().lower() for a in (sys.argv[3] if len(sys.argv) > 3 else "").split(",") if a.strip()}
    controller = Controller(Sink(directory, refused), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
