"""A Celery cluster for tests: Redis, a broker database of their own, workers, a daemon.

Workers (`dagster-celery worker start`) and the daemon each lead a session of their own
(setsid), so stopping one stops its whole process group: a worker's command, the `celery`
process it starts and the pool children running steps; the daemon's code server and the
processes of the runs it launched.

Each of them also runs as if on a host of its own (`on_a_host_of_its_own`): a mount
namespace whose temporary directories are private, empty tmpfs mounts holding its own
`DAGSTER_HOME`. What one writes there no other process sees; they share only PostgreSQL
and Redis, as hosts of a real cluster do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_COMMAND = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    str(REDIS_PORT),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
CLAIM_KEY = "xml_migration_tests:claimed"
CLAIM_SECONDS = 900
TEST_DATABASES = range(15, 1, -1)
"""Redis databases tests may claim; 0 and 1 are the defaults of deployments."""

REPOSITORY = Path(__file__).resolve().parents[2]
WORKER_YAML = REPOSITORY / "deploy" / "celery_worker.yaml"
INSTANCE_YAML = REPOSITORY / "deploy" / "dagster.yaml"
HOST_DAGSTER_HOME = "/tmp/dagster_home"
"""`DAGSTER_HOME` of a process on a host of its own: inside its private /tmp."""
PRIVATE_DIRECTORIES = ("/tmp", "/var/tmp", "/dev/shm")
PRIVATE_HOST_SCRIPT = (
    'repository="$1"; shift; stash=$(mktemp -d /run/xml-migration-repository.XXXXXX)'
    ' && mount --bind "$repository" "$stash"'
    f" && for directory in {' '.join(PRIVATE_DIRECTORIES)}; do"
    ' mount -t tmpfs tmpfs "$directory" || exit 1; done'
    ' && mkdir -p "$repository" && mount --bind "$stash" "$repository"'
    ' && umount "$stash" && rmdir "$stash"'
    ' && mkdir -p "$DAGSTER_HOME" && cp "$0" "$DAGSTER_HOME/dagster.yaml"'
    ' && cd /tmp && exec "$@"'
)
"""Mounts the private directories, then binds the repository back where it was (a clone
under /tmp stays visible), and starts the command with its own `DAGSTER_HOME`."""
DAGSTER_CELERY = Path(sys.executable).with_name("dagster-celery")
DAGSTER_DAEMON = Path(sys.executable).with_name("dagster-daemon")


def redis_client(db: int = 0) -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5)


def redis_is_up() -> bool:
    try:
        return bool(redis_client().ping())
    except redis.ConnectionError:
        return False


@contextmanager
def running_redis(pidfile: Path) -> Iterator[None]:
    """Redis on 127.0.0.1:6379: the one running, else one started here and stopped after."""
    if redis_is_up():
        yield
        return
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run([*REDIS_COMMAND, "--pidfile", str(pidfile)], check=True, timeout=30)
    deadline = time.monotonic() + 30
    while not redis_is_up():
        if time.monotonic() > deadline:
            raise RuntimeError("redis-server did not answer within 30 s")
        time.sleep(0.2)
    pid = int(pidfile.read_text().strip())
    try:
        yield
    finally:
        os.kill(pid, signal.SIGTERM)
        psutil.wait_procs([psutil.Process(pid)], timeout=30)


@contextmanager
def claimed_redis_database() -> Iterator[int]:
    """A Redis database number no other test holds, emptied before and after use.

    Workers listening on another test's broker database would take its steps, so each
    test claims a database of its own (an atomic SET NX, expiring if the test dies).
    """
    token = uuid.uuid4().hex
    for db in TEST_DATABASES:
        client = redis_client(db)
        if client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS):
            break
    else:
        raise RuntimeError(f"every Redis database in {list(TEST_DATABASES)} is claimed")
    try:
        clear_except_claim(client)
        yield db
    finally:
        clear_except_claim(client)
        client.delete(CLAIM_KEY)


def clear_except_claim(client: redis.Redis) -> None:
    stale = [key for key in client.scan_iter() if key != CLAIM_KEY.encode()]
    if stale:
        client.delete(*stale)


@dataclass
class Background:
    """A process started here in a session of its own (setsid), and its log."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def mount_namespaces(self) -> set[str]:
        """The mount namespaces of the process tree (one, for a process on a host of its own)."""
        namespaces = set()
        for pid in self.process_tree():
            with suppress(FileNotFoundError):
                namespaces.add(mount_namespace(pid))
        return namespaces

    def home_files(self) -> list[str]:
        """Files under the process's own `DAGSTER_HOME` (on its private /tmp), relative to it:
        read through /proc, which shows the process's own mount namespace."""
        home = Path(f"/proc/{self.pid}/root{HOST_DAGSTER_HOME}")
        return sorted(str(path.relative_to(home)) for path in home.rglob("*") if path.is_file())

    def process_tree(self) -> set[int]:
        """Pids of the process and every process below it."""
        try:
            parent = psutil.Process(self.pid)
            return {self.pid, *(child.pid for child in parent.children(recursive=True))}
        except psutil.NoSuchProcess:
            return set()


def on_a_host_of_its_own(command: list[str]) -> list[str]:
    """`command` in a mount namespace of its own with empty, private tmpfs mounts over the
    temporary directories, and `deploy/dagster.yaml` in a `DAGSTER_HOME` inside them.

    Run it with `DAGSTER_HOME` set to `HOST_DAGSTER_HOME`. The working directory is the
    private /tmp: nothing written relative to it is seen by any other process either.
    """
    unshare = ["unshare", "--mount", "--propagation", "private"]
    script = [PRIVATE_HOST_SCRIPT, str(INSTANCE_YAML), str(REPOSITORY)]
    return [*unshare, "sh", "-c", *script, *command]


def mount_namespace(pid: int) -> str:
    """The mount namespace a process runs in (its /proc link, e.g. `mnt:[4026532]`)."""
    return os.readlink(f"/proc/{pid}/ns/mnt")


def start_background(
    name: str, command: list[str], env: Mapping[str, str], cwd: Path, log_dir: Path
) -> Background:
    """Start `command` in a new session (setsid), output to `log_dir/name.log`."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Background(name, process, log_path)


def start_worker(name: str, env: Mapping[str, str], log_dir: Path) -> Background:
    """Start one Celery worker with one pool process, on a host of its own.

    The command runs `celery` from `PATH`: `env` must put the virtual environment first.
    """
    command = [str(DAGSTER_CELERY), "worker", "start", "-A", "dagster_celery.app"]
    command += ["-y", str(WORKER_YAML), "-n", name, "--", "--concurrency", "1"]
    return start_background(name, on_a_host_of_its_own(command), env, log_dir, log_dir)


def start_daemon(env: Mapping[str, str], log_dir: Path) -> Background:
    """Start the Dagster daemon on the project's workspace (it takes queued runs and
    starts their processes), on a host of its own."""
    command = [str(DAGSTER_DAEMON), "run", "-w", str(REPOSITORY / "workspace.yaml")]
    return start_background("dagster-daemon", on_a_host_of_its_own(command), env, log_dir, log_dir)


def wait_until_ready(workers: list[Background], timeout: float) -> None:
    """Wait until every worker has connected to the broker and announced itself ready."""
    deadline = time.monotonic() + timeout
    while not all(" ready." in worker.log() for worker in workers):
        for worker in workers:
            if worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.name} exited: {worker.log()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not ready within {timeout:.0f} s")
        time.sleep(0.5)


def stop_processes(processes: list[Background], timeout: float = 30.0) -> list[int]:
    """Stop every process group started here: SIGTERM to the group, SIGKILL by pid to what is
    left after `timeout`. Returns the pids still alive afterwards (none, normally)."""
    pids = set().union(*(started.process_tree() for started in processes))
    for started in processes:
        if started.process.poll() is None:
            os.killpg(started.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    groups = {started.pid for started in processes}
    for pid in alive(pids) | group_members(groups):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for started in processes:
        started.process.wait(timeout=timeout)
    time.sleep(0.5)
    return sorted(alive(pids) | group_members(groups))


def alive(pids: set[int]) -> set[int]:
    """The pids that still name a running (not zombie) process."""
    running = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
        except psutil.NoSuchProcess:
            continue
    return running


def group_members(pgids: set[int]) -> set[int]:
    """Live processes whose process group is one of `pgids`."""
    members = set()
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) in pgids and process.info["status"] != "zombie":
                members.add(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members
