"""The production configuration: the shared nginx site passes ``nginx -t`` as `make prod` and
Docker render it, and ``docker-compose.yml`` has the expected structure (services, health
checks, secrets, no default password). Docker is not needed: the compose file is parsed.
"""

import configparser
import shutil
import subprocess
from pathlib import Path

import prod_config
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(
    not NGINX,
    reason="nginx is not installed (Debian package nginx; tools/setup.sh installs it as root)",
)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            folder / "privkey.pem",
            "-out",
            folder / "fullchain.pem",
        ],
        check=True,
        capture_output=True,
    )
    return folder / "fullchain.pem", folder / "privkey.pem"


def nginx_test(folder, environ):
    main = prod_config.write_nginx(folder, environ)
    return subprocess.run(
        [NGINX, "-t", "-e", "stderr", "-p", str(folder), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_nginx
def test_nginx_config_of_make_prod(tmp_path, certificate):
    cert, key = certificate
    result = nginx_test(
        tmp_path,
        {
            "ODOO_UPSTREAM": "127.0.0.1:8473",
            "ODOO_GEVENT_UPSTREAM": "127.0.0.1:8474",
            "NGINX_HTTP_PORT": "8471",
            "NGINX_HTTPS_PORT": "8472",
            "NGINX_TLS_CERT": str(cert),
            "NGINX_TLS_KEY": str(key),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    site = (tmp_path / "starlink.conf").read_text()
    assert not prod_config.placeholders(site)
    for zone in ("starlink_login", "starlink_portal", "starlink_rpc"):
        assert f"limit_req zone={zone}" in site
    assert "limit_req_status 429;" in site
    assert "return 301 https://$host:8472$request_uri;" in site
    # this machine only, unless told otherwise
    assert _listen(site) == ["127.0.0.1:8471", "127.0.0.1:8472 ssl http2"]


def _listen(site):
    """The ``listen`` directives of a rendered site, in order."""
    return [
        line.strip().removeprefix("listen ").rstrip(";")
        for line in site.splitlines()
        if line.strip().startswith("listen ")
    ]


def test_nginx_listens_on_the_address_it_is_given():
    values = prod_config.nginx_values({"NGINX_HTTP_PORT": "8080", "NGINX_HTTPS_PORT": "8443"})
    assert _listen(prod_config.nginx_site(values)) == [
        "127.0.0.1:8080",
        "127.0.0.1:8443 ssl http2",
    ]
    values = prod_config.nginx_values(
        {"NGINX_LISTEN_ADDRESS": "0.0.0.0", "NGINX_HTTP_PORT": "8080", "NGINX_HTTPS_PORT": "8443"}
    )
    assert _listen(prod_config.nginx_site(values)) == ["0.0.0.0:8080", "0.0.0.0:8443 ssl http2"]


def test_make_prod_listens_on_the_loopback_unless_told():
    """tools/prod.sh renders the shared site with PROD_LISTEN, 127.0.0.1 by default."""
    script = (ROOT / "tools" / "prod.sh").read_text()
    assert "LISTEN=${PROD_LISTEN:-127.0.0.1}" in script
    assert "NGINX_LISTEN_ADDRESS=$LISTEN " in script
    assert "http_interface = 127.0.0.1" in script  # Odoo: behind nginx, never on the network


@needs_nginx
def test_nginx_config_of_docker(tmp_path, certificate, compose):
    """The values docker-compose.yml gives the official image make a valid site too (the
    service names are replaced by the loopback: nginx -t resolves upstream hosts)."""
    environ = {
        key: str(value).replace("odoo:", "127.0.0.1:")
        for key, value in compose["services"]["nginx"]["environment"].items()
    }
    for key, value in environ.items():  # compose's ${VAR:-default}: the default
        if value.startswith("${"):
            environ[key] = value.split(":-", 1)[1].rstrip("}")
    environ["NGINX_TLS_CERT"], environ["NGINX_TLS_KEY"] = map(str, certificate)
    assert set(environ) >= prod_config.placeholders(prod_config.NGINX_TEMPLATE.read_text())
    result = nginx_test(tmp_path, environ)
    assert result.returncode == 0, result.stderr
    # in its container nginx listens on every interface: the published ports face the network
    assert _listen((tmp_path / "starlink.conf").read_text()) == [
        "0.0.0.0:80",
        "0.0.0.0:443 ssl http2",
    ]


def test_nginx_template_refuses_a_missing_value():
    values = prod_config.nginx_values({})
    del values["NGINX_LOGIN_RATE"]
    with pytest.raises(ValueError, match="NGINX_LOGIN_RATE"):
        prod_config.nginx_site(values)


def test_odoo_workers_sizing_rule():
    assert prod_config.odoo_workers(1) == 3
    assert prod_config.odoo_workers(2) == 5
    assert prod_config.odoo_workers(0) == 3


def test_compose_services_and_health_checks(compose):
    services = compose["services"]
    assert {"db", "odoo", "nginx", "tls-init"} <= set(services)
    for name in ("db", "odoo", "nginx"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert (
            services[name].get("logging", {}).get("options", {}).get("max-size")
        ), f"{name}'s logs are not rotated"
    assert "/web/health" in " ".join(services["odoo"]["healthcheck"]["test"])
    assert "/web/health" in " ".join(services["nginx"]["healthcheck"]["test"])
    # only nginx faces the network
    assert "ports" not in services["odoo"] and "ports" not in services["db"]
    assert sorted(services["nginx"]["ports"]) == ["443:443", "80:80"]
    assert services["nginx"]["depends_on"]["odoo"]["condition"] == "service_healthy"
    template = (
        "./tools/deploy/nginx/starlink.conf.template:/etc/nginx/templates/starlink.conf.template:ro"
    )
    assert template in services["nginx"]["volumes"]


def test_compose_secrets_and_no_default_password(compose):
    secrets = compose["secrets"]
    assert set(secrets) == {"postgres_password", "odoo_admin_passwd", "starlink_status_token"}
    for secret in secrets.values():
        assert secret["file"].startswith("./secrets/")
    assert "/secrets/" in (ROOT / ".gitignore").read_text()
    services = compose["services"]
    assert set(services["odoo"]["secrets"]) == set(secrets)
    assert services["db"]["secrets"] == ["postgres_password"]
    assert (
        services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    )
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("PASSWORD", "PASSWD", "TOKEN", "SECRET")):
                assert key.endswith("_FILE") and str(value).startswith(
                    "/run/secrets/"
                ), f"{name}: {key} is not a Docker secret"
    start = (ROOT / "tools" / "deploy" / "odoo" / "start.sh").read_text()
    assert "refusing to start" in start


def test_docker_odoo_conf_is_production():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "odoo.conf")
    options = parser["options"]
    assert "admin_passwd" not in options and "db_password" not in options
    assert options["proxy_mode"] == "True"
    assert options["list_db"] == "False"
    assert int(options["workers"]) >= 2
    assert int(options["max_cron_threads"]) >= 1
    assert options["gevent_port"] == "8072"
    assert int(options["limit_memory_hard"]) > int(options["limit_memory_soft"]) > 0
    assert int(options["limit_time_real"]) > int(options["limit_time_cpu"]) > 0


def test_start_script_refuses_without_secrets(tmp_path):
    """tools/deploy/odoo/start.sh stops before anything else when a password is missing."""
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "deploy" / "odoo" / "start.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "ODOO_DB_PASSWORD": "x"},
    )
    assert result.returncode != 0
    assert "ODOO_ADMIN_PASSWD" in result.stderr and "refusing to start" in result.stderr
