"""A cluster's shared media over SFTP (aiblogger/storage_sftp.py), against a real SSH server.

The server is paramiko's own, on loopback, serving a temporary directory the
way OpenSSH's internal-sftp does (a rename never replaces a file). The
cluster test (scripts/cluster-test.sh) runs the storage against OpenSSH itself.
"""

import os
import socket
import threading

import paramiko
import pytest
from django.core.files.base import ContentFile
from paramiko import SFTPAttributes, SFTPHandle, SFTPServer, SFTPServerInterface

from aiblogger.storage_sftp import AtomicSFTPStorage

PORTS = range(9850, 9900)  # h8's share of the machine's ports


class _Handle(SFTPHandle):
    def stat(self):
        return SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _FileSystem(SFTPServerInterface):
    """A directory served over SFTP, with OpenSSH's rename (no replacing)."""

    def __init__(self, server, *args, root, **kwargs):
        super().__init__(server, *args, **kwargs)
        self.root = root

    def _path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def stat(self, path):
        try:
            return SFTPAttributes.from_stat(os.stat(self._path(path)))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)

    lstat = stat

    def list_folder(self, path):
        try:
            return [
                SFTPAttributes.from_stat(os.stat(os.path.join(self._path(path), name)), name)
                for name in os.listdir(self._path(path))
            ]
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)

    def open(self, path, flags, attr):
        try:
            fd = os.open(self._path(path), flags, 0o644)
            handle = _Handle(flags)
            mode = "wb" if flags & (os.O_WRONLY | os.O_RDWR) else "rb"
            handle.readfile = handle.writefile = os.fdopen(fd, mode)
            return handle
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)

    def remove(self, path):
        try:
            os.remove(self._path(path))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        return paramiko.SFTP_OK

    def rename(self, oldpath, newpath):
        try:  # OpenSSH: link, then unlink; fails when the new name exists
            os.link(self._path(oldpath), self._path(newpath))
            os.remove(self._path(oldpath))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        return paramiko.SFTP_OK

    def mkdir(self, path, attr):
        try:
            os.mkdir(self._path(path))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        return paramiko.SFTP_OK

    def chattr(self, path, attr):
        if attr.st_mode is not None:
            os.chmod(self._path(path), attr.st_mode)
        return paramiko.SFTP_OK


class _Server(paramiko.ServerInterface):
    def __init__(self, client_key):
        self.client_key = client_key

    def check_auth_publickey(self, username, key):
        ok = username == "aiblogger-media" and key == self.client_key
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return "publickey"

    def check_channel_request(self, kind, chanid):
        return (
            paramiko.OPEN_SUCCEEDED
            if kind == "session"
            else paramiko.OPEN_FAILED_UNKNOWN_CHANNEL_TYPE
        )


@pytest.fixture
def sftp_server(tmp_path):
    """(storage options, served directory, connections made) for a live server."""
    host_key = paramiko.Ed25519Key.from_private_key_file(_keyfile(tmp_path, "host"))
    client_key_file = _keyfile(tmp_path, "client")
    client_key = paramiko.Ed25519Key.from_private_key_file(client_key_file)
    served = tmp_path / "served"
    served.mkdir()
    listener = socket.socket()
    for port in PORTS:
        try:
            listener.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        pytest.skip("no free port in 9850-9899")
    listener.listen(8)
    connections = []
    transports = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(conn)
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            transport.set_subsystem_handler("sftp", SFTPServer, _FileSystem, root=str(served))
            transport.start_server(server=_Server(client_key))
            transports.append(transport)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} ssh-ed25519 {host_key.get_base64()}\n")
    options = {
        "host": "127.0.0.1",
        "root_path": "/media",
        "params": {
            "port": port,
            "username": "aiblogger-media",
            "key_filename": client_key_file,
            "allow_agent": False,
            "look_for_keys": False,
            "timeout": 5,
        },
        "known_host_file": str(known_hosts),
        "file_mode": 0o644,
        "dir_mode": 0o755,
        "base_url": "/media/",
    }
    (served / "media").mkdir()
    yield options, served / "media", connections
    listener.close()
    for transport in transports:
        transport.close()


def _keyfile(tmp_path, name):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = tmp_path / f"{name}_ed25519"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def test_a_saved_file_lands_whole_under_its_name_and_nothing_else(sftp_server):
    options, served, _ = sftp_server
    storage = AtomicSFTPStorage(**options)
    name = storage.save("articles/2026/12/photo.png", ContentFile(b"\x89PNG" + b"x" * 100_000))
    assert name == "articles/2026/12/photo.png"
    stored = served / "articles" / "2026" / "12"
    assert [p.name for p in stored.iterdir()] == ["photo.png"]
    assert (stored / "photo.png").read_bytes() == b"\x89PNG" + b"x" * 100_000
    assert storage.exists(name) and storage.url(name) == "/media/articles/2026/12/photo.png"
    storage.close()


class _Breaks(ContentFile):
    """Content whose read fails half-way, as an upload cut off would."""

    def read(self, *args):
        data = super().read(*args)
        if self.tell() > 50_000:
            raise OSError("the upload was cut off")
        return data


def test_an_upload_that_fails_half_way_leaves_nothing_behind(sftp_server):
    options, served, _ = sftp_server
    storage = AtomicSFTPStorage(**options)
    with pytest.raises(OSError, match="cut off"):
        storage.save("articles/broken.png", _Breaks(b"y" * 200_000))
    assert list((served / "articles").iterdir()) == []
    assert not storage.exists("articles/broken.png")
    storage.close()


@pytest.mark.parametrize(
    "taken, name",
    [
        ("taken.png", "taken.png"),  # the name, taken meanwhile by another web host
        ("blocked", "blocked/inside/x.png"),  # a file where a folder should be made
    ],
)
def test_what_another_writer_made_is_never_overwritten(sftp_server, taken, name):
    options, served, _ = sftp_server
    storage = AtomicSFTPStorage(**options)
    (served / taken).write_bytes(b"another web host's upload")
    with pytest.raises(OSError):
        storage._save(name, ContentFile(b"mine"))
    assert (served / taken).read_bytes() == b"another web host's upload"
    assert [p.name for p in served.iterdir()] == [taken]
    storage.close()


def test_an_unknown_host_key_is_refused(sftp_server, tmp_path):
    options, served, connections = sftp_server
    other = tmp_path / "other_known_hosts"
    other.write_text("")
    storage = AtomicSFTPStorage(**{**options, "known_host_file": str(other)})
    with pytest.raises(paramiko.SSHException):
        storage.save("articles/x.png", ContentFile(b"data"))
    assert list(served.iterdir()) == []


def test_each_thread_has_its_own_connection(sftp_server):
    options, served, connections = sftp_server
    storage = AtomicSFTPStorage(**options)
    channels = []

    def upload(n):
        storage.save(f"t/{n}.png", ContentFile(b"z" * 1000))
        channels.append(storage.sftp)  # held, so no two live clients can share an id()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(channel) for channel in channels}) == 3
    assert len(connections) == 3
    assert sorted(p.name for p in (served / "t").iterdir()) == ["0.png", "1.png", "2.png"]


def test_a_directory_made_meanwhile_by_another_writer_is_not_an_error(sftp_server, monkeypatch):
    """Between "does the folder exist?" and mkdir, another thread or web host made it."""
    options, served, _ = sftp_server
    storage = AtomicSFTPStorage(**options)
    (served / "2026" / "12").mkdir(parents=True)
    truthful = storage._path_exists
    asked = set()

    def stale_once(path):  # the first answer for each folder predates the other writer's mkdir
        if path in asked:
            return truthful(path)
        asked.add(path)
        return False

    monkeypatch.setattr(storage, "_path_exists", stale_once)
    storage.save("2026/12/late.png", ContentFile(b"mine"))
    monkeypatch.undo()
    assert asked  # the stale answers were given
    assert (served / "2026" / "12" / "late.png").read_bytes() == b"mine"
    storage.close()
