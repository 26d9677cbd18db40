# /etc/canhgiac/jupyterhub_config.py: this server's JupyterHub settings, loaded
# after the course's own (CANHGIAC_HUB_CONFIG in canhgiac.env), so that any
# setting here wins.  Ordinary JupyterHub configuration: change it, then
# `systemctl restart canhgiac-hub`.
import os
import sys

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)

# ---------------------------------------------------------------- the proxy
# configurable-http-proxy runs in its own unit (canhgiac-proxy.service): a hub
# restart (upgrade, settings) does not cut the learners' connections.  The two
# share CONFIGPROXY_AUTH_TOKEN from /etc/canhgiac/secrets.env.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('CANHGIAC_PROXY_API_PORT', '8001')}"

# ---------------------------------------------------------------- the hub's database
# PostgreSQL (canhgiac.env: CANHGIAC_HUB_DB_URL); the password is read by libpq
# from PGPASSFILE, never written here.
c.JupyterHub.db_url = os.environ["CANHGIAC_HUB_DB_URL"]
# The schema is upgraded on purpose, after a backup (`jupyterhub upgrade-db`: operator's guide, "Nâng cấp").
c.JupyterHub.upgrade_db = False

# ---------------------------------------------------------------- the hub's own secrets
# Outside the course folder, which belongs to the course's user (canhgiac): that user must not be
# able to replace the key that signs the hub's sign-in cookies.  /var/lib/canhgiac-hub is the hub
# unit's StateDirectory (root, 0700).
c.JupyterHub.cookie_secret_file = "/var/lib/canhgiac-hub/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "/var/lib/canhgiac-hub/jupyterhub.pid"

# ---------------------------------------------------------------- learners' JupyterLab
# Each learner's server is a transient systemd unit of its own, as a system
# user of its own (DynamicUser), with memory and CPU limits; it cannot read the
# course folder, the gradebook or other learners' files.
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
c.SystemdSpawner.dynamic_users = True
c.SystemdSpawner.mem_limit = "1G"
c.SystemdSpawner.cpu_limit = 1.0
c.SystemdSpawner.isolate_tmp = True
c.SystemdSpawner.isolate_devices = True
c.SystemdSpawner.disable_user_sudo = True
c.SystemdSpawner.unit_extra_properties = {
    "InaccessiblePaths": ["/srv/canhgiac", "/etc/canhgiac", "/var/backups/canhgiac", "/var/lib/postgresql"],
    "TasksMax": "256",
}
# All learners' servers together stay within canhgiac-learners.slice (systemd/),
# so that a full server slows JupyterLab, never the hub, the course service or the graders.
c.SystemdSpawner.slice = "canhgiac-learners.slice"
c.SystemdSpawner.default_shell = "/usr/sbin/nologin"
c.Spawner.default_url = "/lab"
# How many learners' servers at once (operator's guide, sizing table): the rest wait.
c.JupyterHub.active_server_limit = int(os.environ.get("CANHGIAC_ACTIVE_SERVERS", "60"))
c.JupyterHub.concurrent_spawn_limit = 10

# ---------------------------------------------------------------- the idle culler
# jupyterhub-idle-culler: a learner's server idle for an hour is stopped (their
# files stay); none runs longer than 8 hours.  Checked every 10 minutes.
c.JupyterHub.services.append(
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            "--timeout=3600",
            "--cull-every=600",
            "--max-age=28800",
            "--concurrency=5",
        ],
    }
)
c.JupyterHub.load_roles.append(
    {
        "name": "idle-culler",
        "description": "Stop learners' idle JupyterLab servers",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
)

# ---------------------------------------------------------------- behind nginx
# nginx ends HTTPS and sends X-Forwarded-*; the hub sees requests from 127.0.0.1 only.
c.JupyterHub.trusted_downstream_ips = ["127.0.0.1"]
