"""The real servers the integration tests talk to, built or found, then started on 127.0.0.1.

    Gitea          built from code.gitea.io/gitea (sqlite, CGO, no bindata) into the cache
    stripe-mock    built from github.com/stripe/stripe-mock into the cache
    Alertmanager   Debian's prometheus-alertmanager
    Pushgateway    Debian's prometheus-pushgateway
    SeaweedFS      built from github.com/seaweedfs/seaweedfs (CGO off): the S3 state backend
    VictoriaLogs   built from github.com/VictoriaMetrics/VictoriaLogs: the log store
    Prometheus     Debian's prometheus, and an Alertmanager with a given configuration
    OCI registry   Debian's docker-registry, with a config of its own (htpasswd if asked)

`install()` (or `python -m gmac.dev.servers install`, or scripts/install-servers) builds what is
missing, idempotently; `find_*` never builds. `start_*(home)` starts one server in the
folder `home` on a free port and returns its handle; `stop()` ends it and its children.
"""

from gmac.dev.servers._build import (
    ALERTMANAGER_BINARY,
    GITEA_VERSION,
    PUSHGATEWAY_BINARY,
    STRIPE_MOCK_VERSION,
    GiteaBuild,
    build_gitea,
    build_stripe_mock,
    cache_root,
    find_alertmanager,
    find_gitea,
    find_pushgateway,
    find_stripe_mock,
    install,
)
from gmac.dev.servers._monitoring import (
    Target,
    find_prometheus,
    start_configured_alertmanager,
    start_prometheus,
)
from gmac.dev.servers._process import ServerError, ServerProcess, answers, free_port
from gmac.dev.servers._registry import RegistryServer, find_registry, start_registry
from gmac.dev.servers._seaweedfs import (
    SEAWEEDFS_VERSION,
    SeaweedFS,
    build_seaweedfs,
    find_seaweedfs,
    start_seaweedfs,
)
from gmac.dev.servers._servers import (
    GITEA_ADMIN,
    STRIPE_MOCK_KEY,
    Gitea,
    Server,
    start_alertmanager,
    start_gitea,
    start_pushgateway,
    start_stripe_mock,
)
from gmac.dev.servers._victorialogs import (
    VICTORIALOGS_VERSION,
    build_victorialogs,
    find_victorialogs,
    start_victorialogs,
)
from gmac.errors import BuildError

__all__ = [
    "ALERTMANAGER_BINARY",
    "GITEA_ADMIN",
    "GITEA_VERSION",
    "PUSHGATEWAY_BINARY",
    "SEAWEEDFS_VERSION",
    "STRIPE_MOCK_KEY",
    "STRIPE_MOCK_VERSION",
    "VICTORIALOGS_VERSION",
    "BuildError",
    "Gitea",
    "GiteaBuild",
    "RegistryServer",
    "SeaweedFS",
    "Server",
    "ServerError",
    "ServerProcess",
    "Target",
    "answers",
    "build_gitea",
    "build_seaweedfs",
    "build_stripe_mock",
    "build_victorialogs",
    "cache_root",
    "find_alertmanager",
    "find_gitea",
    "find_prometheus",
    "find_pushgateway",
    "find_registry",
    "find_seaweedfs",
    "find_stripe_mock",
    "find_victorialogs",
    "free_port",
    "install",
    "start_alertmanager",
    "start_configured_alertmanager",
    "start_gitea",
    "start_prometheus",
    "start_pushgateway",
    "start_registry",
    "start_seaweedfs",
    "start_stripe_mock",
    "start_victorialogs",
]
