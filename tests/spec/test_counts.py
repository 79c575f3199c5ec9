"""How `gmac validate` counts services, one rule (docs/spec-reference.md): the headline counts
every Service spec, and an environment where fewer of them run says how many beside its name;
`--json` gives each environment's own count."""

from __future__ import annotations

import json

from .conftest import SpecProject, run_gmac

ONLY_REMOTE = (
    "apiVersion: gmac.io/v1\nkind: Service\nname: docs\nenvironments: [staging, production]\n"
    "image: {ref: registry.gmac.io/gmac/docs:1}\nport: 8080\n"
)


def test_a_service_outside_one_environment_is_counted_once(project: SpecProject) -> None:
    project.write("services/docs.yaml", ONLY_REMOTE)
    result = run_gmac("validate", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "✓ specs valid: 5 services, 3 integrations, 7 secrets; "
        "environments: local (4 services), staging, production\n"
    )
    result = run_gmac("validate", "--env", "local", cwd=project.root)
    assert result.stdout == (
        "✓ specs valid: 5 services, 3 integrations, 7 secrets; environments: local (4 services)\n"
    )
    result = run_gmac("validate", "--env", "production", cwd=project.root)
    assert result.stdout == (
        "✓ specs valid: 5 services, 3 integrations, 7 secrets; environments: production\n"
    )
    counts = json.loads(run_gmac("validate", "--json", cwd=project.root).stdout)["environments"]
    assert {env: count["services"] for env, count in counts.items()} == {
        "local": 4,
        "staging": 5,
        "production": 5,
    }


def test_services_everywhere_need_no_note(project: SpecProject) -> None:
    result = run_gmac("validate", cwd=project.root)
    assert result.stdout == (
        "✓ specs valid: 4 services, 3 integrations, 7 secrets; "
        "environments: local, staging, production\n"
    )
