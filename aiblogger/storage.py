"""Uploads land whole or not at all, and a full disk is a form error, not a 500."""

import contextlib
import contextvars
import errno
import os
import secrets

from django.core.files.storage import FileSystemStorage
from django.core.files.storage.filesystem import safe_makedirs

DISK_FULL_MESSAGE = "The server could not store this file: the disk is full. Nothing was saved."
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_saved_names = contextvars.ContextVar("saved_names", default=None)


class StorageFull(OSError):
    """The media disk (or the quota) is full; nothing of the file was kept."""


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that never leaves a partial file under a public name.

    The content is written to a hidden temporary name in the target directory,
    flushed to disk, then linked to its final name (which never replaces an
    existing file); any error removes the temporary file. Django's own
    _save streams straight into the final name, so a full disk left a
    truncated image that Nginx served.
    """

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        temp_path = os.path.join(directory, f".upload-{secrets.token_hex(12)}.part")
        try:
            fd = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as temp:
                for chunk in content.chunks():
                    temp.write(chunk.encode() if isinstance(chunk, str) else chunk)
                temp.flush()
                os.fsync(temp.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temp_path, self.file_permissions_mode)
            name, full_path = self._publish(temp_path, name, full_path)
            _fsync_directory(directory)
        except OSError as exc:
            if exc.errno in _DISK_FULL_ERRNOS:
                raise StorageFull(exc.errno, DISK_FULL_MESSAGE) from exc
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_path)
        self._ensure_location_group_id(full_path)
        name = os.path.relpath(full_path, self.location).replace("\\", "/")
        saved = _saved_names.get()
        if saved is not None:
            saved.append(name)
        return name

    def _publish(self, temp_path, name, full_path):
        """Give the finished file its name; another name if that one is taken."""
        while True:
            try:
                os.link(temp_path, full_path)  # fails rather than replace a file
                return name, full_path
            except FileExistsError:
                if self._allow_overwrite:
                    os.replace(temp_path, full_path)
                    return name, full_path
                name = self.get_available_name(name)
                full_path = self.path(name)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise
                # No hard links on this filesystem: rename, after the same check.
                if os.path.exists(full_path) and not self._allow_overwrite:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                    continue
                os.replace(temp_path, full_path)
                return name, full_path


def _fsync_directory(directory):
    """Make the new name itself durable; not every filesystem allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def collect_saved_files():
    """Yield a list that receives the name of every file stored meanwhile."""
    token = _saved_names.set([])
    try:
        yield _saved_names.get()
    finally:
        _saved_names.reset(token)
