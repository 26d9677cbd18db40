"""deploy/kubernetes: the manifests against Kubernetes' own schemas, the chart's values against the chart's.

Offline: `kubernetes-validate` bundles the Kubernetes JSON schemas, and the
Zero to JupyterHub chart's `values.schema.yaml` is a copy in
`../shared/reference/zero-to-jupyterhub/` beside the checkout (as CI has it).
No cluster is needed, and none is used: these tests say whether the files are
what Kubernetes and Helm would accept, and whether they agree with each other.
"""

import copy
import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
MANIFESTS = KUBERNETES / "manifests"
# $CANHGIAC_Z2JH_REFERENCE points elsewhere (a worktree whose parent has no shared/).
CHART_REFERENCE = Path(
    os.environ.get("CANHGIAC_Z2JH_REFERENCE") or ROOT.parent / "shared" / "reference" / "zero-to-jupyterhub"
)
# The oldest Kubernetes still supported upstream when this was written; the
# manifests use nothing newer (policy/v1, batch/v1 CronJob, networking/v1).
KUBERNETES_VERSION = "1.33.0"
SERVICE = "khoa-hoc"
HEALTH = "/services/khoa-hoc/health"


def manifest_files() -> list[Path]:
    return sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def documents() -> list[tuple[str, dict]]:
    docs = []
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((f"{path.name}: {doc['kind']}/{doc['metadata']['name']}", doc))
    return docs


def by_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


def containers(doc: dict) -> list[dict]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]["containers"]


def values() -> dict:
    return yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))


def helm_merge(defaults: dict, override: dict) -> dict:
    """Helm's merge of a values file over the chart's: maps merge, anything else replaces, null deletes."""
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.mark.parametrize("name, doc", documents(), ids=[name for name, _ in documents()])
def test_each_manifest_is_valid_for_kubernetes(name, doc):
    """Does each object validate, strictly (no unknown field), against the Kubernetes schema of its kind?"""
    import kubernetes_validate
    from kubernetes_validate.utils import SchemaNotFoundError

    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        pytest.fail(f"{name}: {path}: {exc.message}", pytrace=False)
    except SchemaNotFoundError as exc:
        pytest.fail(f"{name}: {exc.message}", pytrace=False)


def test_the_validator_refuses_a_broken_manifest():
    """Would the schema check above catch a mistake (a misspelt field, a string where a number goes)?"""
    import kubernetes_validate

    deployment = copy.deepcopy(by_kind("Deployment")[SERVICE])
    deployment["spec"]["replica"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = copy.deepcopy(by_kind("Deployment")[SERVICE])
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8000"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    """Does `kubectl apply -k manifests/` apply every file of the folder, and only those?"""
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == sorted(p.name for p in manifest_files())


def test_zero_to_jupyterhub_values_match_the_charts_schema():
    """Do the values, merged over the chart's defaults as Helm merges them, pass the chart's values.schema.yaml?"""
    schema_file = CHART_REFERENCE / "values.schema.yaml"
    if not schema_file.exists():
        pytest.skip(
            f"the chart's values schema is not at {schema_file} (a copy of shared/ beside the checkout, "
            "as CI has it): the Zero to JupyterHub values were not validated"
        )
    import jsonschema

    schema = yaml.safe_load(schema_file.read_text(encoding="utf-8"))
    defaults = yaml.safe_load((CHART_REFERENCE / "values.yaml").read_text(encoding="utf-8"))
    merged = helm_merge(defaults, values())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(merged), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
    # The same check refuses a misspelt key: the chart's schema forbids unknown ones.
    broken = helm_merge(merged, {"hub": {"dbb": {"type": "postgres"}}})
    assert list(validator.iter_errors(broken)), "the chart's schema accepted an unknown key"


def test_the_hub_keeps_its_database_on_postgresql_and_culls_idle_servers():
    """Is the hub's database PostgreSQL (no password in the URL), and are idle learners' servers stopped?"""
    hub = values()["hub"]
    assert hub["db"]["type"] == "postgres"
    assert hub["db"]["url"].startswith("postgresql")
    assert "@" in hub["db"]["url"] and ":" not in hub["db"]["url"].split("//")[1].split("@")[0]
    assert hub["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "canhgiac-postgres"
    cull = values()["cull"]
    assert cull["enabled"] is True and 0 < cull["timeout"] <= 4 * 3600 and cull["every"] <= cull["timeout"]


def test_each_learner_server_has_limits():
    """Does each learner's server run with a CPU and a memory limit, without privilege escalation?"""
    single = values()["singleuser"]
    assert single["cpu"]["limit"] and single["memory"]["limit"]
    assert single["allowPrivilegeEscalation"] is False
    assert single["networkPolicy"]["enabled"] is True
    assert single["networkPolicy"]["egressAllowRules"]["privateIPs"] is False


def test_the_course_service_is_registered_where_its_deployment_listens():
    """Does the hub route /services/khoa-hoc/ to the Service in front of the course service's pods?"""
    registered = values()["hub"]["services"][SERVICE]
    service = by_kind("Service")[SERVICE]
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", registered["url"]).groups()
    assert host == service["metadata"]["name"]
    assert int(port) == service["spec"]["ports"][0]["port"]
    deployment = by_kind("Deployment")[SERVICE]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    env = {e["name"]: e for e in containers(deployment)[0]["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == SERVICE
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{SERVICE}/"
    assert env["JUPYTERHUB_CLIENT_ID"]["value"] == registered["oauth_client_id"]
    assert registered["oauth_redirect_uri"].endswith(env["JUPYTERHUB_OAUTH_CALLBACK_URL"]["value"])
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    # Where the chart keeps the token it generates for a service registered without one.
    assert token == {"name": "hub", "key": f"hub.services.{SERVICE}.apiToken"}
    assert "api_token" not in registered and "apiToken" not in registered


def test_course_service_and_graders_run_several_replicas_with_health_probes():
    """Do the course service and the graders run as several replicas, each with probes on its health URL?"""
    deployments = by_kind("Deployment")
    service, graders = deployments[SERVICE], deployments["canhgiac-graders"]
    assert service["spec"]["replicas"] >= 2 and graders["spec"]["replicas"] >= 2
    container = containers(service)[0]
    assert container["command"][:3] == ["canhgiac", "hub", "service"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH
        assert container[probe]["httpGet"]["port"] in ("http", 8000)
    grader = containers(graders)[0]
    assert grader["command"][:3] == ["canhgiac", "hub", "graders"]
    # The graders' /health is on the port their command opens with --health-port, named in ports.
    health_port = int(grader["command"][grader["command"].index("--health-port") + 1])
    ports = {p["name"]: p["containerPort"] for p in grader["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert grader[probe]["httpGet"]["path"] == "/health"
        assert ports.get(grader[probe]["httpGet"]["port"], grader[probe]["httpGet"]["port"]) == health_port
    assert by_kind("PodDisruptionBudget")[SERVICE]["spec"]["minAvailable"] < service["spec"]["replicas"]


def test_the_course_folder_is_shared_read_write_by_every_pod():
    """Is the course folder one ReadWriteMany volume, mounted at the same path by the service and every grader?"""
    claim = by_kind("PersistentVolumeClaim")["canhgiac-course"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    for name in (SERVICE, "canhgiac-graders"):
        deployment = by_kind("Deployment")[name]
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["name"]: m for m in containers(deployment)[0]["volumeMounts"]}
        course = next(
            n
            for n, v in volumes.items()
            if v.get("persistentVolumeClaim", {}).get("claimName") == "canhgiac-course"
        )
        assert mounts[course]["mountPath"] == "/srv/khoa-hoc"
        assert "/srv/khoa-hoc" in containers(deployment)[0]["command"]


def test_postgresql_serves_both_databases_to_our_pods_only():
    """Is there a PostgreSQL with both databases, reachable only from the hub, the service, the graders and the backup?"""
    statefulset = by_kind("StatefulSet")["canhgiac-postgres"]
    init = by_kind("ConfigMap")["canhgiac-postgres-init"]["data"]
    script = "\n".join(init.values())
    assert "CREATE DATABASE jupyterhub" in script and "CREATE DATABASE gradebook" in script
    assert statefulset["spec"]["volumeClaimTemplates"], "the database has no persistent volume"
    policy = by_kind("NetworkPolicy")["canhgiac-postgres"]
    allowed = [peer["podSelector"]["matchLabels"] for peer in policy["spec"]["ingress"][0]["from"]]
    assert {"app": "jupyterhub", "component": "hub"} in allowed
    names = {labels.get("app.kubernetes.io/name") for labels in allowed}
    assert {SERVICE, "canhgiac-graders", "canhgiac-backup"} <= names
    assert values()["hub"]["db"]["url"].split("@")[1].startswith("canhgiac-postgres:5432/")


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")
    yield path, node


def test_secrets_are_referenced_never_inlined():
    """Is every password, token and key read from a Secret, with no Secret object and no literal secret in the files?"""
    assert "Secret" not in {doc["kind"] for _, doc in documents()}
    texts = [p.read_text(encoding="utf-8") for p in [*manifest_files(), KUBERNETES / "values.yaml"]]
    for doc in [doc for _, doc in documents()] + [values()]:
        for path, node in _walk(doc):
            if isinstance(node, dict) and "name" in node and "value" in node:
                assert not re.search(r"PASSWORD|TOKEN|SECRET|KEY", node["name"]), (
                    f"{path}: {node['name']} inlined"
                )
            if isinstance(node, dict):
                for key in (
                    "password",
                    "api_token",
                    "apiToken",
                    "cookieSecret",
                    "secretToken",
                    "client_secret",
                ):
                    assert not node.get(key), f"{path}.{key} is inlined"
    referenced = set()
    for text in texts:
        referenced |= set(re.findall(r"secretKeyRef:\s+name: ([\w.-]+)", text))
    assert {"canhgiac-postgres", "canhgiac-khoa-hoc", "canhgiac-sso", "hub"} <= referenced
    readme = (KUBERNETES / "README.md").read_text(encoding="utf-8")
    for secret in referenced - {"hub"}:  # `hub` is the chart's own
        assert f"create secret generic {secret}" in readme, f"README.md does not say how to make {secret}"


def test_every_container_runs_unprivileged_with_limits():
    """Does every container of ours run as a non-root user, without privilege escalation, with a memory limit?"""
    for name, doc in documents():
        if doc["kind"] not in ("Deployment", "StatefulSet", "CronJob"):
            continue
        spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
        pod = spec["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["resources"]["limits"]["memory"], name


def test_trainers_hold_the_course_scope_and_learners_only_their_own():
    """Do the hub's roles give trainers the course's trainer scope, and every user only itself and the course?"""
    hub = values()["hub"]
    trainer_scope = "custom:khoa-hoc:trainer"
    assert trainer_scope in hub["config"]["JupyterHub"]["custom_scopes"]
    roles = hub["loadRoles"]
    assert set(roles["user"]["scopes"]) == {"self", "access:services!service=khoa-hoc"}
    assert trainer_scope in roles["can-bo-phu-trach"]["scopes"]
    assert roles["can-bo-phu-trach"]["groups"] == ["can-bo-phu-trach"]
    assert "admin" not in str(roles["can-bo-phu-trach"]["scopes"])
    assert hub["services"][SERVICE]["oauth_client_allowed_scopes"] == [trainer_scope]
