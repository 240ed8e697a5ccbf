"""What the fault tests stand on: a fake SMTP server that can hold its replies, a file-backed SMS gateway that can be
slow to answer, and real Celery workers that can be killed (tests/portal/test_delivery_faults.py)."""

import contextlib
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class FakeSMTP:
    """An SMTP server in threads of this process. It keeps each message whose data ended (the final "."), as a real
    server does, whether or not the client is still there for the reply.

    `hold`: None answers at once; "data" holds the reply to the DATA command (a kill then lands before any data was
    sent); "end" holds the reply to the final "." (the message is the server's already); "frozen" accepts the
    connection and never answers at all. `release()` lets held replies go."""

    def __init__(self, hold: str | None = None):
        self.hold = hold
        self.messages: list[bytes] = []
        self.held = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                fake._session(self.rfile, self.wfile)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _wait(self, rfile=None):
        with self._lock:
            self.held += 1
        self._released.wait(120)

    def release(self):
        self._released.set()

    def stop(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def _session(self, rfile, wfile):
        if self.hold == "frozen":
            self._wait()
            return
        wfile.write(b"220 fake ESMTP\r\n")
        while True:
            line = rfile.readline()
            if not line:
                return
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                wfile.write(b"250 fake\r\n")
            elif command == b"DATA":
                if self.hold == "data":
                    self._wait()
                wfile.write(b"354 end with .\r\n")
                data = []
                while True:
                    chunk = rfile.readline()
                    if not chunk:
                        return  # the client went away before the end of the data: nothing is kept
                    if chunk == b".\r\n":
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                with self._lock:
                    self.messages.append(b"".join(data))
                    number = len(self.messages)
                if self.hold == "end":
                    self._wait()
                try:
                    wfile.write(f"250 2.0.0 Ok: queued as Q{number}\r\n".encode())
                except OSError:
                    return
            elif command == b"QUIT":
                wfile.write(b"221 bye\r\n")
                return
            else:
                wfile.write(b"250 ok\r\n")

    def message_ids(self) -> list[str]:
        return [str(message_from_bytes(raw, policy=policy.default)["Message-ID"]) for raw in self.messages]

    def subjects(self) -> list[str]:
        return [str(message_from_bytes(raw, policy=policy.default)["Subject"]) for raw in self.messages]


class FileGateway:
    """An SMS gateway that keeps what it accepted as JSON lines in $FAKE_SMS_FILE and can say what it has
    (`status`). While $FAKE_SMS_FILE.hold exists it is slow to answer, after accepting: a kill then lands while the
    gateway has the message and the worker does not know yet."""

    def _path(self) -> Path:
        return Path(os.environ["FAKE_SMS_FILE"])

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        with open(self._path(), "a") as out:
            out.write(json.dumps({"key": key, "phone": phone, "text": text}, ensure_ascii=False) + "\n")
        while Path(f"{self._path()}.hold").exists():
            time.sleep(0.05)
        return f"gw-{key}"

    def status(self, key: str) -> str | None:
        return f"gw-{key}" if key in accepted_keys(self._path()) else None


def accepted_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if line.strip()]


class Worker:
    """A real Celery worker in its own process group (prefork: the main process and its pool)."""

    def __init__(self, log: Path, queues: list[str], env: dict, *, concurrency: int = 2, pool: str = "prefork"):
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "consult_portal",
                    "worker",
                    f"--pool={pool}",
                    f"--concurrency={concurrency}",
                    "-Q",
                    ",".join(queues),
                    "-n",
                    f"{queues[0]}@%h",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)

    def kill(self):
        """SIGKILL the whole worker at once, as a power cut or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_env(connection, queue: str, **extra) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consult_portal.settings",
        "SECRET_KEY": "worker-test-secret-key-not-for-production",
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "LOG_LEVEL": "INFO",
        **extra,
    }


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out")
