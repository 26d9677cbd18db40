"""nginx for the tests: Debian's binary, the site file of `canhgiac deploy nginx`, 127.0.0.1 only.

The site file is the one an operator installs, unchanged; only the ports, the
certificate (a throwaway one, made here) and the upstream differ.  Debian's own
/etc/nginx/nginx.conf is not used: a minimal main file holds the site, with
every path (pid, logs, temporary files) in the test's folder, so that nothing
of the machine's nginx is read or touched.
"""

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MAIN = """\
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


class NginxUnavailable(RuntimeError):
    pass


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise NginxUnavailable(
            "no nginx on this machine: run `make test-deps`, which installs Debian's nginx"
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day; returns (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Nginx:
    folder: Path
    main: Path
    http_port: int
    https_port: int
    process: subprocess.Popen | None = None

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def command(self, *extra: str) -> list[str]:
        return [nginx_binary(), "-p", str(self.folder), "-c", str(self.main), *extra]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the main file and the site it includes."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NginxUnavailable(
                    f"nginx stopped: {self.process.stderr.read().decode(errors='replace')}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise NginxUnavailable("nginx did not listen within 20 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def prepare_nginx(site_text_for) -> Nginx:
    """A folder with a throwaway certificate, the site (from `site_text_for(cert, key, http, https)`) and a main file."""
    folder = Path(tempfile.mkdtemp(prefix="canhgiac-nginx-"))
    cert, key = throwaway_certificate(folder)
    http_port, https_port = free_port(), free_port()
    site = folder / "canhgiac.conf"
    site.write_text(site_text_for(cert, key, http_port, https_port), encoding="utf-8")
    main = folder / "nginx.conf"
    # As root, nginx's workers would be `nobody`, who cannot enter a private temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(
        MAIN.format(user=user, folder=folder, mime_types="/etc/nginx/mime.types", site=site), encoding="utf-8"
    )
    return Nginx(folder, main, http_port, https_port)
