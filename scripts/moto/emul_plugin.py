"""pytest plugin for scripts/moto-conformance.sh: run each moto test against a fresh server.

Loaded with `-p emul_plugin` (scripts/moto on PYTHONPATH), from the root of moto's extracted sdist.

Environment (set by the script):
  CONFORMANCE_BACKEND   "emul" (default) or "moto" (moto_server itself, to calibrate the runner)
  EMUL_BIN              the emul binary (backend emul)
  MOTO_SERVER_BIN       the moto_server console script (backend moto)
  CONFORMANCE_ACCOUNT   account id the server owns resources in (moto's tests assume 123456789012)
  CONFORMANCE_SUMMARY   the JSON summary (counts; each test's outcome and first error line); an
                        existing one is resumed: only its tests not yet run are run
  CONFORMANCE_LOGDIR    where to keep the server log of each test that did not pass
  CONFORMANCE_TMPDIR    where the per-test state directories go (default: the system's temp dir)

How moto's server mode works (moto 5.2.5, moto/core/models.py, moto/settings.py):
  * TEST_SERVER_MODE=true is read once, when moto.settings is imported: `mock_aws` then builds a
    ServerModeMockAWS, whose boto3.client/resource patch adds endpoint_url=TEST_SERVER_MODE_ENDPOINT.
  * That endpoint is read in ServerModeMockAWS.__init__, i.e. when `@mock_aws` decorates a test
    function or class: at module import, not per test. So the endpoint cannot change between tests.
    This plugin therefore picks ONE port for the whole session and starts a fresh server on that
    same port before every test (and stops it after), with a fresh state directory each time.
  * Entering a mock POSTs {endpoint}/moto-api/reset; emul answers 400, which moto ignores.
  * Every boto3 client a test makes goes to that endpoint, whatever the service (EC2, STS, IAM...).
"""

import inspect
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

BACKEND = os.environ.get("CONFORMANCE_BACKEND", "emul")
ACCOUNT = os.environ.get("CONFORMANCE_ACCOUNT", "123456789012")
READY_TIMEOUT = 30.0  # seconds for a server to start listening
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL


def _pick_port():
    """A free loopback port below Linux's ephemeral range (32768+), so that no client socket
    takes it while the server restarts between tests."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 20000-32000")


# Must happen at import, before moto.settings is imported by the test modules (see above).
PORT = _pick_port()
os.environ["TEST_SERVER_MODE"] = "true"
os.environ["TEST_SERVER_MODE_ENDPOINT"] = f"http://127.0.0.1:{PORT}"
# Fake credentials, and nothing from the caller's AWS configuration (profiles, endpoints).
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                  AWS_SHARED_CREDENTIALS_FILE=os.devnull)
for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")] + [
        "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"]:
    os.environ.pop(key, None)


# The server gets no EMUL_* settings from the caller (EMUL_BIND, EMUL_REGISTRY_PORT, ...): only
# what _server_command says.
_SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("EMUL_")}


def _server_command(state_dir):
    if BACKEND == "emul":
        return [os.environ["EMUL_BIN"], "serve", "--bind", "127.0.0.1", "--port", str(PORT),
                "--state-dir", state_dir, "--account", ACCOUNT]
    if BACKEND == "moto":
        return [os.environ["MOTO_SERVER_BIN"], "-H", "127.0.0.1", "-p", str(PORT)]
    raise RuntimeError(f"unknown CONFORMANCE_BACKEND {BACKEND!r}")


def _wait_ready(proc):
    """emul prints `emul ready: http://127.0.0.1:<port>` on stdout; moto_server prints nothing
    useful there, so for it we poll the port."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        if BACKEND == "emul":
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                line = proc.stdout.readline().decode(errors="replace").strip()
                if line.startswith("emul ready:"):
                    if not line.endswith(f":{PORT}"):
                        raise RuntimeError(f"emul announced {line!r}, expected port {PORT}")
                    return
        else:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", PORT)) == 0:
                    return
            time.sleep(0.05)
    raise RuntimeError(f"server not ready after {READY_TIMEOUT}s")


def _die_with_parent():
    """In the server's child process: get SIGTERM when pytest dies (Linux prctl
    PR_SET_PDEATHSIG), so a killed or crashed pytest leaves no server behind."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def conformance_server(request):
    """A fresh server (and state directory) for every test; a start failure is a test error."""
    state_dir = tempfile.mkdtemp(prefix="state-", dir=os.environ.get("CONFORMANCE_TMPDIR"))
    log_path = os.path.join(state_dir, "server.log")
    log = open(log_path, "wb")
    proc = None
    try:
        for attempt in range(3):  # the port may linger for a moment after the previous test
            proc = subprocess.Popen(_server_command(state_dir), env=_SERVER_ENV,
                                    stdout=subprocess.PIPE,
                                    stderr=log, stdin=subprocess.DEVNULL,
                                    preexec_fn=_die_with_parent)
            try:
                _wait_ready(proc)
                break
            except RuntimeError:
                _stop(proc)
                if attempt == 2:
                    raise
                time.sleep(0.5)
        yield
    finally:
        if proc is not None:
            _stop(proc)
            proc.stdout.close()
        log.close()
        _keep_log_if_failed(request.node, log_path)
        shutil.rmtree(state_dir, ignore_errors=True)


def _keep_log_if_failed(item, log_path):
    logdir = os.environ.get("CONFORMANCE_LOGDIR")
    if not logdir or getattr(item, "_conformance_passed", True):
        return
    os.makedirs(logdir, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[:200] + ".log"
    shutil.copyfile(log_path, os.path.join(logdir, name))


# --- ELBv2: which tests exercise Network/Gateway Load Balancers -----------------------------
# A test counts as NLB/GWLB when its parameters name the LB type "network"/"gateway" (and not
# "application"), or an NLB/GWLB protocol (TCP, UDP, TLS, TCP_UDP, GENEVE); or when its own source
# creates such a load balancer or target group.
NLB_VALUES = {"network", "gateway", "TCP", "UDP", "TLS", "TCP_UDP", "GENEVE"}
NLB_SOURCE = re.compile(
    r'create_load_balancer\("(network|gateway)"|Type="(network|gateway)"'
    r'|Protocol="(TCP|UDP|TLS|TCP_UDP|GENEVE)"'
)


def _is_nlb_gwlb(item):
    if "test_elbv2" not in item.nodeid:
        return False
    callspec = getattr(item, "callspec", None)
    params = [v for v in (callspec.params.values() if callspec else []) if isinstance(v, str)]
    if "application" in params:
        return False
    if any(v in NLB_VALUES for v in params):
        return True
    try:
        return bool(NLB_SOURCE.search(inspect.getsource(item.function)))
    except (OSError, TypeError):
        return False


# --- Outcome bookkeeping and the JSON summary ----------------------------------------------
# The summary is rewritten after every test, so it survives a pytest that dies (an INTERNALERROR,
# a kill). The script then starts pytest again with CONFORMANCE_SUMMARY pointing at the same file:
# tests already decided are deselected, and the test that was running when the process died
# ("running") is counted as failed rather than run again.
_results = {}  # nodeid -> {"outcome": ..., "error": first line, "nlb_gwlb": bool}
_SUMMARY = os.environ.get("CONFORMANCE_SUMMARY")


def _write_summary():
    if not _SUMMARY:
        return
    counts = {k: 0 for k in ("passed", "failed", "error", "skipped", "notrun")}
    nlb = dict(counts)
    for entry in _results.values():
        outcome = "notrun" if entry["outcome"] == "running" else entry["outcome"]
        counts[outcome] += 1
        if entry["nlb_gwlb"]:
            nlb[outcome] += 1
    tmp = _SUMMARY + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"backend": BACKEND, "counts": counts, "nlb_gwlb_counts": nlb,
                   "tests": _results}, f, indent=1)
    os.replace(tmp, _SUMMARY)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config, items):
    previous = {}
    if _SUMMARY and os.path.exists(_SUMMARY):
        with open(_SUMMARY) as f:
            previous = json.load(f)["tests"]
    keep, done = [], []
    for item in items:
        entry = previous.get(item.nodeid)
        if entry and entry["outcome"] == "running":
            entry.update(outcome="failed", error="the test process died during this test "
                         "(pytest INTERNALERROR or killed; see pytest-<suite>.log)")
        if entry and entry["outcome"] != "notrun":
            done.append(item)
        else:
            keep.append(item)
        _results[item.nodeid] = entry or {"outcome": "notrun", "error": "",
                                          "nlb_gwlb": _is_nlb_gwlb(item)}
    if done:
        config.hook.pytest_deselected(items=done)
        items[:] = keep


def _first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when in ("setup", "call") and report.failed:
        item._conformance_passed = False  # read by the fixture's teardown to keep the log


def pytest_runtest_logstart(nodeid):
    _results[nodeid]["outcome"] = "running"
    _write_summary()


def pytest_runtest_logreport(report):
    entry = _results[report.nodeid]
    if report.when == "setup":
        if report.skipped:
            entry["outcome"] = "skipped"
        elif report.failed:
            entry.update(outcome="error", error=_first_line(report))
    elif report.when == "call":
        if report.skipped:
            entry["outcome"] = "skipped"
        elif report.failed:
            entry.update(outcome="failed", error=_first_line(report))
        else:
            entry["outcome"] = "passed"
    elif report.when == "teardown" and report.failed and entry["outcome"] == "passed":
        entry.update(outcome="error", error=_first_line(report))


def pytest_runtest_logfinish(nodeid):
    _write_summary()


def pytest_sessionfinish(session):
    _write_summary()
