"""Every error gmac raises on purpose.

    GmacError                  base: the CLI prints it as one message and exits non-zero
    ├── SpecError              the specs are wrong; carries every Problem found, not only the first
    ├── UsageError             the command line asks for something that does not exist
    ├── ToolchainMissingError  a tool gmac needs is not installed; says how to install it
    ├── BuildError             a tool gmac builds for itself (the Pulumi toolchain, a test
    │                          server) failed to build; names the step
    ├── ClusterError           the local control plane failed to build, start or get ready;
    │                          names the step or component, with the last lines of its log
    ├── IntegrationError       a remote API (Gitea, Stripe, Turso, the cluster building images)
    │   │                      refused or failed a call: `gitea: token rejected (401)`
    │   └── ImageBuildError    an image build or push failed: the registry unreachable or
    │                          refusing the credentials, no Dockerfile, a failing step (with
    │                          its last lines of output), a base image that cannot be pulled
    ├── SecretsError           the secret store cannot do what was asked: an undeclared name, a
    │   │                      value it does not hold, a file that is not a secrets file
    │   ├── IdentityError      no identity to open a secrets file, or none that is a recipient
    │   └── TamperedSecretError  a value or a whole file does not authenticate: edited by hand,
    │                          or a ciphertext moved to another name or environment
    ├── AccessDeniedError      the project's `access` rules refuse the actor; says who may
    ├── ExistingObjectError    a create met an object gmac did not make (a repository, a
    │                          product, a database of the same name): names it, says `gmac adopt`
    ├── AdoptionError          `gmac adopt` or `--adopt` cannot go on: an `adopt:` id that does
    │                          not exist, one object adopted twice, a choice left to make
    ├── RegistryError          the registry database (libSQL) failed or refused: a migration
    │   │                      changed after it was applied, a database that stays busy
    │   ├── AuditChainError    the audit log's hash chain is broken; names the first bad entry
    │   └── EphemeralRegistryError  an apply or destroy in CI with the registry on the
    │                          runner's disk, lost with the job; says how to set a durable one
    └── EngineError            the Pulumi engine failed; the message carries its diagnostics
        ├── LockHeldError      another run holds the stack's lock; says who and what to do
        ├── LockLostError      the lock was taken from a run while it ran (its lease lapsed,
        │                      or `gmac unlock` broke it from another host); the run stopped
        ├── LockStoreError     the lock's store (the state's folder or bucket) cannot be
        │                      reached or refused; names it
        ├── PlanMismatchError  `apply --plan` found the preview no longer matches the plan
        ├── InterruptedRunError  Ctrl-C stopped a run; the engine saved what it finished
        └── ProtectedResourceError  a protected environment would lose stateful resources

Anything else escaping to the CLI is a bug in gmac: it is reported as an internal error, and
`--debug` shows its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one spec file, at a position a person can jump to."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        # One problem, one line: a value quoted in the message may hold a line break.
        return "".join(_escape(char) for char in text) if not text.isprintable() else text


def _escape(char: str) -> str:
    return char if char.isprintable() else repr(char)[1:-1]


class GmacError(Exception):
    """Base of every error gmac expects; its message is meant for the user as it stands."""

    exit_code = 1


class SpecError(GmacError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [str(problem) for problem in self.problems]
        super().__init__("\n".join([*lines, f"{count} {noun} in the specs"]))


class UsageError(GmacError):
    pass


class ToolchainMissingError(GmacError):
    pass


class BuildError(GmacError):
    """A build step failed; the message names the step and ends with the tool's output."""


class ClusterError(GmacError):
    """A step of the local control plane failed (`gmac dev cluster`): a build, a certificate,
    a process or a readiness check; the message ends with the last lines of its output."""


class EngineError(GmacError):
    pass


class LockHeldError(EngineError):
    pass


class LockLostError(EngineError):
    pass


class LockStoreError(EngineError):
    pass


class PlanMismatchError(EngineError):
    pass


class InterruptedRunError(EngineError):
    exit_code = 130  # what a shell reports for a process stopped by SIGINT


class IntegrationError(GmacError):
    """A call to a remote system failed: `service: what happened (status)`.

    Messages never carry credentials: only the service, what was asked, the status and the
    server's own short message.
    """

    def __init__(
        self, service: str, message: str, *, status: int | None = None, hint: str = ""
    ) -> None:
        self.service = service
        self.status = status
        suffix = f" ({status})" if status is not None else ""
        then = f"; {hint}" if hint else ""
        super().__init__(f"{service}: {message}{suffix}{then}")


class ImageBuildError(IntegrationError):
    """`image: SERVICE: what failed; hint`, then the last lines of the build's output when
    they say more. `cause` names the kind of failure: `registry` (unreachable, or gone during
    the push), `credentials` (refused), `dockerfile` (missing), `step` (a build step failed),
    `base-image` (cannot be pulled), `builder` (buildah itself)."""

    def __init__(
        self,
        service: str,
        message: str,
        *,
        cause: str,
        hint: str = "",
        output: tuple[str, ...] = (),
    ) -> None:
        self.cause = cause
        self.what = message
        self.hint = hint
        self.output = output
        super().__init__("image", f"{service}: {message}", hint=hint)
        self.first_line = str(self)
        if output:
            lines = "\n".join(f"  {line}" for line in output)
            self.args = (f"{self.first_line}\nlast lines of the build output:\n{lines}",)

    def with_hint(self, service: str, hint: str) -> ImageBuildError:
        return ImageBuildError(service, self.what, cause=self.cause, hint=hint, output=self.output)


class ProtectedResourceError(EngineError):
    pass


class SecretsError(GmacError):
    """The secret store refused: messages name secrets and files, never values."""


class IdentityError(SecretsError):
    pass


class TamperedSecretError(SecretsError):
    pass


class AccessDeniedError(GmacError):
    pass


class ExistingObjectError(GmacError):
    """A create found the object already there, and nothing proves gmac made it: taking it
    over silently could change what someone else set up. `gmac adopt` reviews it first."""

    def __init__(self, service: str, what: str, *, message: str = "") -> None:
        self.service = service
        self.what = what
        super().__init__(
            message
            or f"{service}: {what} already exists and gmac did not make it; run `gmac adopt` "
            "to review it, then `gmac apply --adopt` to take it over"
        )


class AdoptionError(GmacError):
    """What stops an adoption before anything is imported: one line per problem."""


class RegistryError(GmacError):
    pass


class AuditChainError(RegistryError):
    pass


class EphemeralRegistryError(RegistryError):
    pass
