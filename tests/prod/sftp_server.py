"""A throwaway SFTP server on the loopback for the backup tests (paramiko, no sshd).

One user with a password, files kept under a local folder (the SFTP root), a host key made
for the run; served from daemon threads until :meth:`SftpServer.stop`. Enough of SFTP for
OCA auto_backup's copy: stat, mkdir, open/read/write, list, remove, rename.
"""

import errno
import os
import socket
import threading
from pathlib import Path

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_OK


class _Auth(paramiko.ServerInterface):
    def __init__(self, username, password):
        self.username = username
        self.password = password

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        if (username, password) == (self.username, self.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self):
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as error:
            return paramiko.SFTPServer.convert_errno(error.errno)

    def chattr(self, attr):
        return SFTP_OK


class _Folder(paramiko.SFTPServerInterface):
    """The SFTP view of ``root``: absolute SFTP paths are paths under it."""

    root = None  # set per server by a subclass

    def _local(self, path):
        local = (Path(self.root) / self.canonicalize(path).lstrip("/")).resolve()
        if local != Path(self.root) and Path(self.root) not in local.parents:
            raise PermissionError(errno.EACCES, "outside the SFTP root")
        return local

    def _call(self, function, *args):
        try:
            return function(*args)
        except OSError as error:
            return paramiko.SFTPServer.convert_errno(error.errno)

    def canonicalize(self, path):
        return os.path.normpath("/" + path)

    def list_folder(self, path):
        def listing(local):
            attributes = []
            for name in sorted(os.listdir(local)):
                attr = paramiko.SFTPAttributes.from_stat(os.stat(local / name))
                attr.filename = name
                attributes.append(attr)
            return attributes

        return self._call(lambda: listing(self._local(path)))

    def stat(self, path):
        return self._call(lambda: paramiko.SFTPAttributes.from_stat(os.stat(self._local(path))))

    lstat = stat

    def open(self, path, flags, attr):
        def opening():
            local = self._local(path)
            descriptor = os.open(local, flags, 0o600)
            if flags & os.O_WRONLY:
                mode = "ab" if flags & os.O_APPEND else "wb"
            elif flags & os.O_RDWR:
                mode = "a+b" if flags & os.O_APPEND else "r+b"
            else:
                mode = "rb"
            handle = _Handle(flags)
            handle.filename = str(local)
            handle.readfile = handle.writefile = os.fdopen(descriptor, mode)
            return handle

        return self._call(opening)

    def remove(self, path):
        return self._call(lambda: os.remove(self._local(path)) or SFTP_OK)

    def rename(self, oldpath, newpath):
        return self._call(lambda: os.rename(self._local(oldpath), self._local(newpath)) or SFTP_OK)

    def mkdir(self, path, attr):
        return self._call(lambda: os.mkdir(self._local(path)) or SFTP_OK)

    def rmdir(self, path):
        return self._call(lambda: os.rmdir(self._local(path)) or SFTP_OK)

    def chattr(self, path, attr):
        return SFTP_OK if self._local(path).exists() else SFTP_FAILURE


class SftpServer:
    """``SftpServer(root, username, password)``: serving at once on 127.0.0.1:``port``."""

    def __init__(self, root, username, password):
        self.root = Path(root).resolve()
        self.username = username
        self.password = password
        self.host_key = paramiko.RSAKey.generate(2048)
        self.connections = 0
        self._stopping = threading.Event()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.5)
        self.port = self._socket.getsockname()[1]
        self._transports = []
        self._folder = type("Folder", (_Folder,), {"root": str(self.root)})
        self._thread = threading.Thread(target=self._serve, name="sftp-server", daemon=True)
        self._thread.start()

    def known_hosts_line(self):
        """This server's line of an OpenSSH ``known_hosts`` file (pysftp checks host keys)."""
        return f"127.0.0.1 {self.host_key.get_name()} {self.host_key.get_base64()}\n"

    def _serve(self):
        while not self._stopping.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            self.connections += 1
            transport = paramiko.Transport(connection)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, self._folder)
            transport.start_server(server=_Auth(self.username, self.password))
            self._transports.append(transport)

    def stop(self):
        self._stopping.set()
        self._socket.close()
        for transport in self._transports:
            transport.close()
        self._thread.join(timeout=5)
