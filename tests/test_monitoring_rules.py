"""Prometheus and Alertmanager configuration of the monitoring role, checked by their own tools.

promtool (Debian's prometheus package; .ci/run installs it) checks the alert
rules, runs their unit tests (every alert fires on a failing series and stays
quiet on a healthy one) and checks prometheus.yml as the role renders it;
amtool checks alertmanager.yml.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ROLE = REPO / "ansible" / "roles" / "monitoring"
RULES = ROLE / "files" / "rules"


def tool(name):
    path = shutil.which(name)
    if not path:
        reason = f"{name} is not installed (apt-get install prometheus prometheus-alertmanager)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must have it (.ci/run)")
        pytest.skip(reason)
    return path


def run(*args, cwd=None):
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    return result.stdout


def render(template, **extra):
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    variables = {
        key: value
        for key, value in defaults.items()
        if not (isinstance(value, str) and "{{" in value)
    }
    variables.update(
        ansible_managed="Ansible managed",
        inventory_hostname="web1",
        monitoring_app_status_port=8089,
        monitoring_site_url="https://news.example.com/",
        monitoring_mysql_enabled=True,
        monitoring_redis_enabled=True,
        monitoring_alert_email_from="alertmanager@web1",
        monitoring_cluster=False,
    )
    variables.update(extra)
    environment = jinja2.Environment(  # noqa: S701 (YAML, not HTML)
        loader=jinja2.FileSystemLoader(str(ROLE / "templates")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["bool"] = lambda v: str(v).lower() in ("true", "1", "yes")
    environment.tests["match"] = lambda value, pattern: re.match(pattern, value) is not None
    return environment.get_template(template).render(**variables)


def test_alert_rules_pass_promtool_check():
    out = run(tool("promtool"), "check", "rules", str(RULES / "aiblogger.yml"))
    assert "SUCCESS" in out


def test_every_alert_has_a_runbook_and_a_unit_test():
    rules = yaml.safe_load((RULES / "aiblogger.yml").read_text())["groups"][0]["rules"]
    alerts = {rule["alert"] for rule in rules}
    for wanted in (
        "TargetDown",
        "HighServerErrorRatio",
        "SlowPages",
        "MySQLDown",
        "DiskNearlyFull",
        "TLSCertificateExpiringSoon",
        "NewswireSourceStale",
        "PublishDueNotRun",
        "BackupNotRun",
    ):
        assert wanted in alerts
    assert all(rule["annotations"].get("runbook") for rule in rules)
    tests = yaml.safe_load((RULES / "aiblogger_test.yml").read_text())["tests"]
    fired = {
        check["alertname"]
        for test in tests
        for check in test["alert_rule_test"]
        if check.get("exp_alerts")
    }
    assert fired == alerts


def test_alert_rules_unit_tests_pass():
    out = run(tool("promtool"), "test", "rules", "aiblogger_test.yml", cwd=RULES)
    assert "SUCCESS" in out


@pytest.mark.parametrize("redis", [True, False], ids=["with-redis", "without-redis"])
def test_prometheus_config_as_rendered_passes_promtool(tmp_path, redis):
    config = tmp_path / "prometheus.yml"
    config.write_text(render("prometheus.yml.j2", monitoring_redis_enabled=redis))
    # The rendered file names the installed path; check it against this checkout's rules.
    installed = "/etc/prometheus/aiblogger.rules.yml"
    config.write_text(config.read_text().replace(installed, str(RULES / "aiblogger.yml")))
    run(tool("promtool"), "check", "config", str(config))
    jobs = [job["job_name"] for job in yaml.safe_load(config.read_text())["scrape_configs"]]
    assert ("redis" in jobs) is redis
    assert {"aiblogger", "node", "nginx", "mysqld", "site", "blackbox"} <= set(jobs)


def test_cluster_prometheus_config_scrapes_every_host(tmp_path):
    """A cluster (group monitoring): one Prometheus scrapes each host's exporters by address."""
    hosts = {
        "lb1": "10.0.0.10",
        "web1": "10.0.0.11",
        "web2": "10.0.0.12",
        "db1": "10.0.0.20",
        "db2": "10.0.0.21",
    }
    config = tmp_path / "prometheus.yml"
    config.write_text(
        render(
            "prometheus.yml.j2",
            inventory_hostname="lb1",
            monitoring_cluster=True,
            monitoring_lb_host=True,
            monitoring_haproxy_port=8404,
            monitoring_redis_url="redis://10.0.0.20:6379/1",
            groups={
                "all": ["localhost", *hosts],
                "web": ["web1", "web2"],
                "db": ["db1"],
                "db_replica": ["db2"],
                "redis": ["db1"],
                "monitoring": ["lb1"],
            },
            hostvars={
                name: {"monitoring_exporter_address": address} for name, address in hosts.items()
            },
        )
    )
    installed = "/etc/prometheus/aiblogger.rules.yml"
    config.write_text(config.read_text().replace(installed, str(RULES / "aiblogger.yml")))
    run(tool("promtool"), "check", "config", str(config))
    targets = {
        (job["job_name"], group.get("labels", {}).get("instance", target))
        for job in yaml.safe_load(config.read_text())["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert {("node", name) for name in hosts} <= targets
    assert {
        ("aiblogger", "web1"),
        ("aiblogger", "web2"),
        ("nginx", "web1"),
        ("nginx", "web2"),
    } <= targets
    assert {("mysqld", "db1"), ("mysqld", "db2"), ("redis", "db1"), ("haproxy", "lb1")} <= targets
    assert ("node", "localhost") not in targets
    assert "10.0.0.21:9104" in config.read_text()


@pytest.mark.parametrize("email", ["", "ops@example.com"], ids=["no-email", "email"])
def test_alertmanager_config_as_rendered_passes_amtool(tmp_path, email):
    config = tmp_path / "alertmanager.yml"
    config.write_text(render("alertmanager.yml.j2", monitoring_alert_email=email))
    run(tool("amtool"), "check-config", str(config))
