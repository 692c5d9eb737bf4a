"""A production run (`make prod`: nginx + multi-worker Odoo) for the tests of this folder.

The instance serves a copy of the test database that `make test` has just installed and tested
(``PROD_TEMPLATE_DB``, default ``starlink_test``), on loopback ports of its own
(``PROD_TEST_PORTS``: HTTP, HTTPS, Odoo, gevent; default 8180,8543,8181,8182) and a login rate
low enough to be reached in a few requests. Skipped, with the reason, where nginx is missing or
the template database does not exist. Every request loop of these tests is bounded.
"""

import os
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PROD_DB = os.environ.get("PROD_TEST_DB", "starlink_prod_test")
TEMPLATE_DB = os.environ.get("PROD_TEMPLATE_DB", "starlink_test")
PORTS = [int(p) for p in os.environ.get("PROD_TEST_PORTS", "8180,8543,8181,8182").split(",")]
LOGIN_RATE_PER_MIN = 120
LOGIN_BURST = 10
STATUS_TOKEN = "prod-test-status-token-5b1e"


class ProdRun:
    """Addresses and helpers of the running instance."""

    def __init__(self, env):
        self.env = env
        self.db = PROD_DB
        self.http_port, self.https_port, self.odoo_port, self.gevent_port = PORTS
        self.http = f"http://127.0.0.1:{self.http_port}"
        self.https = f"https://127.0.0.1:{self.https_port}"
        self.status_token = STATUS_TOKEN
        self.conf = ROOT / ".local" / "prod" / PROD_DB / "odoo.conf"
        # the self-signed certificate of `make prod`, for localhost and 127.0.0.1
        self.certificate = str(ROOT / ".local" / "prod" / PROD_DB / "tls" / "fullchain.pem")
        self.login_window = 60 / LOGIN_RATE_PER_MIN

    def psql(self, sql, db=None):
        result = subprocess.run(
            [
                "bash",
                "-c",
                'source tools/setup.sh >/dev/null 2>&1; "$PG_BINDIR/psql" -tAq -d "$0" -c "$1"',
                db or self.db,
                sql,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()

    def odoo_shell(self, code, timeout=120, env=None):
        """Run ``code`` in an Odoo shell on the instance's database (``env``: variables added
        to its environment); returns its stdout."""
        result = subprocess.run(
            [
                "bash",
                "-c",
                'source tools/setup.sh >/dev/null 2>&1; "$VENV_PY" "$ODOO_SRC/odoo-bin" shell '
                '-c "$0" -d "$1" --no-http --log-level=warn --logfile=/dev/null',
                str(self.conf),
                self.db,
            ],
            cwd=ROOT,
            env=dict(os.environ, **(env or {})),
            input=code,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.certificate)

    def session(self):
        session = requests.Session()
        session.trust_env = False  # no proxy, no CA bundle of the environment: local addresses
        session.verify = self.certificate
        return session

    def portal_login(self):
        login = self.psql(
            "SELECT login FROM res_users WHERE active AND share AND login LIKE 'portal.%' "
            "ORDER BY login LIMIT 1"
        )
        assert login, "no demo portal user"
        session = self.session()
        page = session.get(f"{self.https}/web/login", timeout=30)
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = session.post(
            f"{self.https}/web/login",
            data={"login": login, "password": "portal", "csrf_token": csrf, "redirect": "/my"},
            timeout=60,
        )
        assert answer.status_code == 200 and answer.url.startswith(f"{self.https}/my"), answer.url
        return login, session


def _nginx():
    return shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")


@pytest.fixture(scope="session")
def prod():
    if not _nginx():
        pytest.skip("nginx is not installed (Debian package nginx, installed by set-up as root)")
    env = dict(
        os.environ,
        DB=PROD_DB,
        TEMPLATE_DB=TEMPLATE_DB,
        PROD_HTTP_PORT=str(PORTS[0]),
        PROD_HTTPS_PORT=str(PORTS[1]),
        PROD_ODOO_PORT=str(PORTS[2]),
        PROD_GEVENT_PORT=str(PORTS[3]),
        PROD_WORKERS="2",
        NGINX_LOGIN_RATE=f"{LOGIN_RATE_PER_MIN}r/m",
        NGINX_LOGIN_BURST=str(LOGIN_BURST),
        STARLINK_STATUS_TOKEN=STATUS_TOKEN,
    )
    run = ProdRun(env)
    if run.psql("SELECT 1", db=TEMPLATE_DB) != "1":
        pytest.skip(f"no database {TEMPLATE_DB} with the Starlink addons (make test installs it)")
    stop = ["bash", "tools/prod.sh", "stop"]
    subprocess.run(stop, cwd=ROOT, env=env, capture_output=True, timeout=120)
    run.psql(f'DROP DATABASE IF EXISTS "{PROD_DB}"', db="postgres")
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "tools/prod.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run.start_seconds = time.monotonic() - started
    yield run
    subprocess.run(stop, cwd=ROOT, env=env, capture_output=True, timeout=120)
    run.psql(f'DROP DATABASE IF EXISTS "{PROD_DB}"', db="postgres")
    shutil.rmtree(ROOT / ".local" / "filestore" / "filestore" / PROD_DB, ignore_errors=True)
    # the run's own files: its daily job's backups, its generated secrets, certificate and site
    shutil.rmtree(ROOT / ".local" / "backups" / PROD_DB, ignore_errors=True)
    shutil.rmtree(ROOT / ".local" / "prod" / PROD_DB, ignore_errors=True)
