"""Password reset through Nginx, gunicorn and the shared Redis: throttled, no address revealed."""

import re
import secrets
import subprocess
import urllib.parse

import pytest

pytestmark = pytest.mark.stack

PATH = "/accounts/password/reset/"


@pytest.fixture(scope="module", autouse=True)
def fresh_counters(stack):
    """Forget this stack's throttle counters (only its own keys: Redis is shared)."""
    pattern = f"{stack.db_name}:*throttle:*"
    keys = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", pattern],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if keys:
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "del", *keys], capture_output=True)


def reset(client, email, source):
    form = client.get(PATH, source=source)
    assert form.status == 200, f"reset form gave {form.status}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    cookie = form.cookies()["__Host-csrftoken"][0]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email}).encode()
    return client.request(
        "POST",
        PATH,
        body=body,
        source=source,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"__Host-csrftoken={cookie}",
            "Origin": client.stack.origin,
            "Referer": client.stack.origin + PATH,
        },
    )


def test_the_eleventh_reset_from_one_address_is_refused(client):
    run = secrets.token_hex(4)
    for n in range(10):
        r = reset(client, f"reader{n}-{run}@example.com", "127.0.0.200")
        assert r.status == 302, f"reset {n + 1} gave {r.status}"
    r = reset(client, f"reader10-{run}@example.com", "127.0.0.200")
    assert r.status == 429, f"the 11th reset gave {r.status}"
    assert "Too many requests" in r.text
    assert int(r.headers["Retry-After"]) > 0
    assert reset(client, f"other-{run}@example.com", "127.0.0.199").status == 302


def test_resets_for_one_address_from_many_ips_send_no_more_mail(stack, client):
    """A stranger cannot lock the owner out: the page answers as always, the mails stop."""
    target = f"victim-{secrets.token_hex(4)}@example.com"
    for n in range(6):
        r = reset(client, target, f"127.0.0.{201 + n}")
        assert r.status == 302, f"reset {n + 1} for one address gave {r.status}"
    queued = stack.shell_json(
        "import json\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "print(json.dumps(DBTaskResult.objects.filter(\n"
        "    task_path__endswith='password_reset_task',\n"
        f"    args_kwargs__icontains={target!r}).count()))"
    )
    assert queued == 5, f"{queued} reset mails queued for one address (the limit is 5)"


def test_known_and_unknown_addresses_get_the_same_answer(stack, client):
    known = stack.shell_json(
        "import json\n"
        "from accounts.models import User\n"
        "print(json.dumps(User.objects.exclude(email='').order_by('pk')[0].email))"
    )
    # The stack has no mail server: sending fails in the background, never in the answer.
    answers = [
        reset(client, known, "127.0.0.210"),
        reset(client, f"nobody-{secrets.token_hex(4)}@example.com", "127.0.0.211"),
    ]
    assert [(r.status, r.headers["Location"], r.body) for r in answers] == [
        (302, "/accounts/password/reset/sent/", b"")
    ] * 2
