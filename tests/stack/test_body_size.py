"""Request body limits at the edge: 1 MB for every form, 10 MB only where an image is uploaded.

Both protocols through curl (HTTP/1.1 and HTTP/2 over TLS, --resolve to the
stack's loopback port): the refusal must be the project's 413 page on both.
"""

import re
import shutil
import subprocess

import pytest

from .conftest import HOST

pytestmark = pytest.mark.stack

MB = 1024 * 1024
BOUNDARY = "aiblogger-body-size"
PROTOCOLS = {"HTTP/1.1": "--http1.1", "HTTP/2": "--http2"}
SMALL_FORMS = [
    "/accounts/login/",
    "/admin/login/",
    "/search/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/admin/accounts/user/add/",
    "/admin/articles/section/add/",
]
UPLOAD_FORMS = [
    ("/admin/articles/article/add/", "featured_image"),
    ("/admin/articles/article/1/change/", "social_image"),
    ("/admin/accounts/user/1/change/", "avatar"),
]


def multipart(fields, filename, size):
    """A multipart/form-data body of about `size` bytes: the fields, then one file."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    head = (
        "".join(parts).encode()
        + (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{filename}"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
    )
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    if not shutil.which("curl"):
        pytest.fail("the body-size stack test needs curl (with HTTP/2)")
    folder = tmp_path_factory.mktemp("bodies")
    paths = {}
    for label, size in {"1.5 MB": int(1.5 * MB), "10 MB": 10 * MB, "12 MB": 12 * MB}.items():
        paths[label] = folder / f"{size}.bin"
        paths[label].write_bytes(multipart({}, "featured_image", size))
    return paths


def curl_post(stack, protocol, path, body, headers=()):
    """(status, HTTP version, page) of one POST with the body file, over TLS."""
    extra = [arg for header in headers for arg in ("--header", header)]
    out = subprocess.run(
        [
            "curl", "--silent", "--show-error", PROTOCOLS[protocol],
            "--cacert", str(stack.cert),
            "--resolve", f"{HOST}:{stack.https_port}:127.0.0.1",
            "--request", "POST", "--data-binary", f"@{body}",
            "--header", f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
            *extra,
            "--write-out", "\n%{http_code} %{http_version}",
            f"https://{HOST}:{stack.https_port}{path}",
        ],
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr.decode()
    page, _, tail = out.stdout.rpartition(b"\n")
    status, version = tail.decode().split()
    return int(status), version, page.decode("utf-8", "replace")


def assert_designed_413(status, version, page, protocol):
    assert status == 413, f"{protocol} gave {status}"
    assert version == {"HTTP/1.1": "1.1", "HTTP/2": "2"}[protocol]
    assert "<title>File too large</title>" in page, f"stock page over {protocol}: {page[:120]}"
    assert "Request Entity Too Large" not in page


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("path", SMALL_FORMS)
def test_forms_refuse_bodies_over_1_mb_with_the_designed_page(stack, bodies, protocol, path):
    assert_designed_413(*curl_post(stack, protocol, path, bodies["1.5 MB"]), protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("path", ["/accounts/login/", "/search/"])
def test_a_10_mb_post_to_a_form_is_always_a_413_never_a_503(stack, bodies, protocol, path):
    statuses = [curl_post(stack, protocol, path, bodies["10 MB"])[0] for _ in range(4)]
    assert statuses == [413] * 4


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("path", "field"), UPLOAD_FORMS)
def test_upload_forms_take_a_10_mb_image_and_refuse_more(
    stack, client, admin_session, bodies, tmp_path, protocol, path, field
):
    # Logged in as an editor, with the form's CSRF token: Django reads the
    # whole body and answers with the form, refusing the file for its size.
    session = f"__Host-sessionid={admin_session[0]}"
    form = client.get(path, headers={"Cookie": session})
    assert form.status == 200, f"GET {path} gave {form.status}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    csrf = form.cookies()["__Host-csrftoken"][0]
    body = tmp_path / "upload.bin"
    body.write_bytes(multipart({"csrfmiddlewaretoken": token}, field, int(10.2 * MB)))
    headers = [
        f"Cookie: {session}; __Host-csrftoken={csrf}",
        f"Origin: {stack.origin}",
        f"Referer: {stack.origin}{path}",
    ]
    status, _, page = curl_post(stack, protocol, path, body, headers)
    assert status == 200, f"a 10.2 MB upload to {path} over {protocol} gave {status}"
    assert "This image is 10.2" in page, "Django did not see the uploaded file"
    assert_designed_413(*curl_post(stack, protocol, path, bodies["12 MB"], headers), protocol)
