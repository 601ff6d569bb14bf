"""A cluster's shared media: uploads go to a media host over SFTP, whole or not at all.

Every web host writes through this storage and reads the files back through
the media host's Nginx (ansible/README.md "A cluster: shared media"), so an
image uploaded on one host is served by all of them and outlives it.
Imported only when MEDIA_SFTP_HOST is set (settings/base.py), so a single
host never loads paramiko.
"""

import contextlib
import posixpath
import secrets
import threading

import paramiko
from django.utils.deconstruct import deconstructible
from storages.backends.sftpstorage import SFTPStorage
from storages.utils import is_seekable

from aiblogger.storage import _saved_names


@deconstructible
class AtomicSFTPStorage(SFTPStorage):
    """django-storages' SFTPStorage, made safe for gunicorn's threads and partial uploads.

    - Each thread has its own SSH connection: gthread workers share one storage
      object, and one SFTP channel must not carry two threads' requests.
    - The media host's key must already be in known_host_file: an unknown or
      changed key refuses the connection (SFTPStorage would accept and record it).
    - Making a missing directory tolerates another thread or web host making it
      first: two uploads into one new month's folder both succeed.
    - The file is written under a hidden temporary name and renamed into place;
      OpenSSH's SFTP rename never replaces an existing file, so a name taken
      meanwhile by another web host fails the upload instead of overwriting it.
    """

    def __init__(self, **settings):
        super().__init__(**settings)
        self._local = threading.local()

    def _connect(self):
        ssh = paramiko.SSHClient()
        ssh.load_host_keys(self.known_host_file)
        ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
        ssh.connect(self.host, **self.params)
        self._local.ssh = ssh
        self._local.sftp = ssh.open_sftp()

    @property
    def sftp(self):
        ssh = getattr(self._local, "ssh", None)
        transport = ssh.get_transport() if ssh is not None else None
        if transport is None or not transport.is_active():
            self._connect()
        return self._local.sftp

    def close(self):
        ssh = getattr(self._local, "ssh", None)
        if ssh is not None:
            ssh.close()
            self._local.ssh = None

    def _mkdir(self, path):
        """Make path and its missing parents; one made meanwhile by another writer is fine."""
        parent = posixpath.dirname(path)
        if parent and parent != path and not self._path_exists(parent):
            self._mkdir(parent)
        try:
            self.sftp.mkdir(path)
        except OSError:
            # SFTP answers a bare "Failure" for an existing directory: ask again.
            if not self._path_exists(path):
                raise
            return  # made by the other writer, with its modes
        if self.dir_mode is not None:
            self.sftp.chmod(path, self.dir_mode)
        if self.uid or self.gid:
            self._chown(path, uid=self.uid, gid=self.gid)

    def _save(self, name, content):
        if is_seekable(content):
            content.seek(0)
        path = self._remote_path(name)
        directory = posixpath.dirname(path)
        if not self._path_exists(directory):
            self._mkdir(directory)
        temp_path = posixpath.join(directory, f".upload-{secrets.token_hex(12)}.part")
        try:
            self.sftp.putfo(content, temp_path)
            if self.file_mode is not None:
                self.sftp.chmod(temp_path, self.file_mode)
            self.sftp.rename(temp_path, path)
        except BaseException:
            with contextlib.suppress(OSError):
                self.sftp.remove(temp_path)
            raise
        saved = _saved_names.get()
        if saved is not None:
            saved.append(name)
        return name
