"""Prometheus and Alertmanager configuration of the monitoring role, checked by their own tools.

promtool (Debian's prometheus package; .ci/run installs it) checks the alert
rules, runs their unit tests (every alert fires on a failing series and stays
quiet on a healthy one) and checks prometheus.yml as the role renders it;
amtool checks alertmanager.yml.
"""

import os
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
    )
    variables.update(extra)
    environment = jinja2.Environment(  # noqa: S701 (YAML, not HTML)
        loader=jinja2.FileSystemLoader(str(ROLE / "templates")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["bool"] = lambda v: str(v).lower() in ("true", "1", "yes")
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


@pytest.mark.parametrize("email", ["", "ops@example.com"], ids=["no-email", "email"])
def test_alertmanager_config_as_rendered_passes_amtool(tmp_path, email):
    config = tmp_path / "alertmanager.yml"
    config.write_text(render("alertmanager.yml.j2", monitoring_alert_email=email))
    run(tool("amtool"), "check-config", str(config))
