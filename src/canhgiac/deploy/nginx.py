"""The nginx site of the hosted course, made from templates/nginx-site.conf.

Headers a public site needs are added on every response of every location
(nginx drops a server's add_header in a location that has its own, so each
location repeats them): HSTS, no MIME sniffing, no referrer to other sites,
no camera/microphone/geolocation, and `server_tokens off` for no version.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from string import Template

from canhgiac.deploy.csp import book_policy, report_policy
from canhgiac.errors import DataError

TEMPLATE = Path(__file__).parent / "templates" / "nginx-site.conf"
HSTS = "max-age=63072000; includeSubDomains"
COMMON_HEADERS = {
    "Strict-Transport-Security": HSTS,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
PROXY = """\
proxy_pass http://canhgiac_hub;
proxy_http_version 1.1;
proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $canhgiac_connection_upgrade;
# A kernel's WebSocket stays open while the learner works.
proxy_read_timeout 1h;
proxy_send_timeout 1h;"""


@dataclass
class Site:
    """What differs from one server to another."""

    server_name: str
    book: Path
    certificate: str = "/etc/letsencrypt/live/{name}/fullchain.pem"
    certificate_key: str = "/etc/letsencrypt/live/{name}/privkey.pem"
    upstream: str = "127.0.0.1:8000"
    listen_address: str = ""
    http_port: int = 80
    https_port: int = 443
    acme_root: str = "/var/www/letsencrypt"
    http2_in_listen: bool | None = None  # None: ask the installed nginx


def nginx_version() -> tuple[int, ...] | None:
    try:
        result = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    except FileNotFoundError:
        return None
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", result.stderr + result.stdout)
    return tuple(int(p) for p in match.groups()) if match else None


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


def render(site: Site) -> str:
    """The site file's text."""
    if not (site.book / "index.html").exists():
        raise DataError(f"{site.book}: chưa có sách đã dựng (index.html). Hãy chạy: make book")
    http2 = site.http2_in_listen
    if http2 is None:
        version = nginx_version()
        # nginx 1.25.1 moved HTTP/2 from `listen ... http2` to `http2 on;`.
        http2 = version is None or version < (1, 25, 1)
    address = f"{site.listen_address}:" if site.listen_address else ""
    headers = "\n".join(f'add_header {name} "{value}" always;' for name, value in COMMON_HEADERS.items())
    values = {
        "upstream": site.upstream,
        "server_name": site.server_name,
        "http_listen": f"{address}{site.http_port}",
        "https_listen": f"{address}{site.https_port}",
        "https_port_suffix": "" if site.https_port == 443 else f":{site.https_port}",
        "http2": " http2" if http2 else ";\n    http2 on",
        "acme_root": site.acme_root,
        "certificate": site.certificate.format(name=site.server_name),
        "certificate_key": site.certificate_key.format(name=site.server_name),
        "common_headers": _indent(headers, 8),
        "proxy": _indent(PROXY, 8),
        "book_policy": book_policy(site.book),
        "report_policy": report_policy(),
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)
