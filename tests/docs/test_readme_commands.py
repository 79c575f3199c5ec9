"""The README, followed literally: every command it shows, run against a scratch copy of the
example as a new user would (a home of their own, nothing of the developer's shell), in the
README's order, each with the exit code the README gives it.

A command the README shows is one of three kinds, read from the README itself:
- a runnable example (no placeholder, nothing to fill in): run here, its exit code checked;
- a synopsis (`gmac unlock --env ENV`, `preview up|down`, `[--json]`): every command and every
  flag it names must exist in gmac's command line (tests/cli_tree.py);
- a mention of a command by name: the command must exist.
A runnable example this test does not know fails it (say how to run it, or why it runs
elsewhere); so does one the README no longer shows. The README cannot drift from the tool.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import sys
from pathlib import Path

from tests.cli_tree import Command
from tests.cli_tree import commands as all_commands
from tests.gmac_process import run_gmac
from tests.gmac_result import Result
from tests.real import require_toolchain

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

# The runnable examples, in the README's order, with the exit code it documents. The whole
# sequence runs in one scratch project, so each sees what the one before it did.
RUN: dict[str, int] = {
    ".venv/bin/gmac plan --env local": 2,  # "exit 2: there are changes"
    "GMAC_ACTOR=gmackie gmac apply --env local --yes": 0,
    "gmac plan --env local": 0,  # "a second `gmac plan --env local` exits 0"
    "gmac toolchain install": 0,
    "gmac new service orders --template go-api --yes --port 8081 --env staging --env production "
    "--replicas staging=1 --replicas production=3 --cpu 250m --memory 256Mi "
    "--host 'orders.{domain}' --uses stripe --secret stripe-secret-key": 0,
    "gmac schema --out gmac.schema.json": 0,
    "gmac stack init --env staging": 0,  # with the team's passphrase in GMAC_PASSPHRASE
    "gmac secrets keygen": 0,
    "export GMAC_ACTOR=gmackie": 0,
    "gmac secrets recipients add age1... --name ci --env staging": 0,
    "printf '%s' \"$KEY\" | gmac secrets set stripe-secret-key --env staging": 0,
    "gmac secrets list --env staging": 0,
    "gmac secrets migrate": 0,
    "GMAC_ACTOR=gmackie gmac secrets unseal --env local | kubectl apply -f -": 0,
    "gmac audit --verify": 0,
    "gmac metrics api --env staging": 1,  # staging's Prometheus is not here: "1 on error"
    "gmac --version": 0,
    ".venv/bin/python bench/validate_bench.py": 0,
}
# Runnable examples that need what a scratch copy cannot have, and where they are run.
ELSEWHERE: dict[str, str] = {
    "scripts/bootstrap": "sets up this machine; CI runs it before the suite",
    "scripts/bootstrap --dev": "sets up this machine; CI runs it before the suite",
    "scripts/test": "the suite itself (.ci/run)",
    "gmac new service orders": "asks its questions: tests/templates/test_new_cli.py answers them",
    "gmac secrets rotate nextauth-secret --env staging": (
        "applies to staging's cluster: tests/secrets/test_rotation.py rotates against one"
    ),
    "gmac secrets rotate --env staging --due --yes": (
        "applies to staging's cluster: tests/secrets/test_rotation.py rotates against one"
    ),
    "gmac logs api --env staging --grep error --since 1h": (
        "reads staging's log store: tests/observe/test_sources.py runs it against VictoriaLogs"
    ),
    "GMAC_PANEL_CLIENT_ID=... GMAC_PANEL_CLIENT_SECRET=... gmac serve": (
        "needs a Gitea OAuth2 application: tests/panel/test_signin.py signs in through one"
    ),
    "gmac --install-completion": "changes the user's shell start-up files",
}

_PLACEHOLDER = re.compile(r"\b(ENV|NAME|N|FILE|SERVICE|T|F|URL|OWNER|WHO|KEY)\b|\[|\\\||\.\.\.")
_ASSIGNMENT = re.compile(r"^[A-Z][A-Z0-9_]*=\S*$")


@functools.cache
def commands() -> tuple[Command, ...]:
    return tuple(all_commands())


def _options(command: Command) -> set[str]:
    """Its options, the negative of a --x/--no-x pair too."""
    return {o for p in command.command.params for o in (*p.opts, *p.secondary_opts)}


def shown_commands() -> list[str]:
    """Every command the README shows, in its order: the lines of its `sh` blocks, then each
    code span in its prose that starts with gmac, scripts/ or the venv's python."""
    text = README.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"```sh\n(.*?)```", text, re.S):
        for raw in block.group(1).replace("\\\n", " ").splitlines():
            line = " ".join(re.split(r"\s+#", raw.strip(), maxsplit=1)[0].split())
            for command in line.split(" && "):  # `scripts/bootstrap && .venv/bin/gmac ...`
                if command and not command.startswith("#"):
                    found.append((block.start(), command))
    prose = re.sub(r"```.*?```", lambda m: " " * len(m.group(0)), text, flags=re.S)
    start = re.compile(r"^([A-Z][A-Z0-9_]*=\S+ )*(\.venv/bin/)?gmac( |$)|^scripts/|^\.venv/bin/py")
    for span in re.finditer(r"`([^`\n]+)`", prose):
        if start.match(span.group(1)):
            found.append((span.start(), span.group(1)))
    ordered = [command for _, command in sorted(found, key=lambda item: item[0])]
    return list(dict.fromkeys(ordered))


def _before_pipe(command: str) -> str:
    """A shell pipe's first command; `\\|` in a synopsis is not a pipe."""
    return command if "\\|" in command else command.split("|", maxsplit=1)[0]


def _gmac_words(command: str) -> list[str]:
    """The words after `gmac` (assignments and a pipe's other side left out)."""
    parts = _before_pipe(command).split()
    while parts and (_ASSIGNMENT.match(parts[0]) or not parts[0].endswith("gmac")):
        parts.pop(0)
    return parts[1:]


def _command_paths(words: list[str]) -> list[tuple[list[str], list[str]]]:
    """(command path, the rest) for each alternative a synopsis offers (`up\\|down`)."""
    names = {command.path for command in commands()}
    groups = {command.path[:i] for command in commands() for i in range(len(command.path))}
    alternatives: list[list[str]] = [[]]
    index = 0
    while index < len(words) and not words[index].startswith("-"):
        options = words[index].split("\\|")
        candidate = [[*path, option] for path in alternatives for option in options]
        if not all(tuple(path) in names | groups for path in candidate):
            break
        alternatives, index = candidate, index + 1
    return [(path, words[index:]) for path in alternatives]


def _check_exists(command: str) -> list[str]:
    """What a synopsis or a mention names that gmac's command line lacks."""
    by_path = {c.path: c for c in commands()}
    root_options = {"--version", "--install-completion", "--show-completion", "--help", "--debug"}
    problems = []
    for path, rest in _command_paths(_gmac_words(command)):
        if not path:
            flags = {word for word in rest if word.startswith("--")}
            problems += [f"{command}: gmac has no option {flag}" for flag in flags - root_options]
            continue
        found = by_path.get(tuple(path))
        if found is None:
            if not any(p[: len(path)] == tuple(path) for p in by_path):
                problems.append(f"{command}: gmac has no command '{' '.join(path)}'")
            continue
        for word in rest:
            for flag in re.findall(r"--[a-z][a-z-]*", word):
                if flag not in _options(found) | {"--help"}:
                    problems.append(f"{command}: 'gmac {found.name}' has no option {flag}")
    return problems


def _runnable(command: str) -> bool:
    if command in RUN or command in ELSEWHERE:
        return True
    if _PLACEHOLDER.search(_before_pipe(command)):
        return False
    words = _gmac_words(command)
    if not command.lstrip(".").startswith(("venv/bin/gmac", "gmac")) and "gmac" not in command:
        return True  # scripts/..., the venv's python
    paths = _command_paths(words)
    if any(_value_left_out(path, rest) for path, rest in paths):
        return False  # `--json-out` named, its value left out: a mention of the option
    if any(_required_left_out(path, rest) for path, rest in paths):
        return False  # `gmac plan --adopt` without its --env: a mention of the flag
    return any(rest for _, rest in paths) or "=" in command.split(" gmac", maxsplit=1)[0]


def _required_left_out(path: list[str], rest: list[str]) -> bool:
    found = {c.path: c for c in commands()}.get(tuple(path))
    if found is None:
        return False
    required = [p for p in found.command.params if p.required and p.opts[0].startswith("-")]
    return any(not set(p.opts) & set(rest) for p in required)


def _value_left_out(path: list[str], rest: list[str]) -> bool:
    found = {c.path: c for c in commands()}.get(tuple(path))
    if found is None or not rest:
        return False
    last = next((p for p in found.command.params if rest[-1] in p.opts), None)
    return last is not None and not getattr(last, "is_flag", False)


def test_every_command_the_readme_shows_is_known_and_exists() -> None:
    shown = shown_commands()
    runnable = [command for command in shown if _runnable(command)]
    unknown = [c for c in runnable if c not in RUN and c not in ELSEWHERE]
    assert not unknown, f"the README shows commands this test does not run: {unknown}"
    gone = [c for c in [*RUN, *ELSEWHERE] if c not in shown]
    assert not gone, f"no longer in the README (drop them here): {gone}"
    problems = [p for c in shown if "gmac" in c for p in _check_exists(c)]
    assert not problems, "\n".join(problems)
    assert [c for c in shown if c in RUN] == list(RUN), "RUN is not in the README's order"


def _new_recipient() -> str:
    import pyrage

    return str(pyrage.x25519.Identity.generate().to_public())


def _scratch(tmp_path: Path) -> Path:
    """The example as a new user's clone holds it (`.venv/bin/...` is the interpreter and the
    gmac console script running the tests)."""
    root = tmp_path / "gmac"
    root.mkdir()
    for folder in ("specs", "bench", "service_templates"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("secrets"))
    shutil.copy2(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    return root


def _environment(tmp_path: Path) -> dict[str, str]:
    from gmac.engine.toolchain import default_cache_root

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMAC_", "PULUMI_"))}
    home = tmp_path / "home"
    home.mkdir()
    env.update(
        HOME=str(home),
        # The toolchain built once for this machine, where a new user's home would hold it.
        GMAC_TOOLCHAIN_CACHE=str(default_cache_root()),
        GMAC_PASSPHRASE="the team's passphrase, for this scratch copy",
        GMAC_EPHEMERAL_REGISTRY="1",  # the scratch copy's registry, also under CI=true
        # No Prometheus answers here (the metrics example's documented error).
        GMAC_PROMETHEUS_URL="http://127.0.0.1:9",
        COLUMNS="200",
    )
    return env


def _run(command: str, root: Path, env: dict[str, str]) -> Result:
    """One README command: its gmac part run as gmac, an assignment before it in its
    environment, the other side of a pipe left to the reader (kubectl is not run)."""
    env = dict(env)
    stdin = None
    if command.startswith("printf"):
        stdin, command = "sk_test_readme", command.split("|", 1)[1]
    command = command.split(" | ")[0]
    words = shlex.split(command.replace("age1...", _new_recipient()))
    while _ASSIGNMENT.match(words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if words[0] == ".venv/bin/python":  # a benchmark: its smallest run, it only has to work
        words = [sys.executable, *words[1:], "--services", "20", "--repeats", "1"]
        import subprocess

        done = subprocess.run(words, cwd=root, env=env, capture_output=True, text=True, check=False)
        return Result(tuple(words), done.returncode, done.stdout, done.stderr, 0.0)
    assert words[0].endswith("gmac"), command
    return run_gmac(words[1:], cwd=root, env=env, stdin=stdin, timeout=300)


def test_the_readme_commands_run_as_documented(tmp_path: Path) -> None:
    require_toolchain()
    root, env = _scratch(tmp_path), _environment(tmp_path)
    for command, code in RUN.items():
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        result = _run(command, root, env)
        assert result.code == code, f"README: `{command}` exits {code}; it exited:\n{result}"
        assert "Traceback" not in result.stdout + result.stderr, str(result)
