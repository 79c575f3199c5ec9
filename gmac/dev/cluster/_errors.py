"""The one error of the local control plane.

GmacError (gmac.errors)
└── ClusterError   a build step, a certificate, a process or a readiness check failed; the
                   message names the step and ends with the last lines of the tool's output
"""

from __future__ import annotations

from gmac.errors import GmacError


class ClusterError(GmacError):
    pass
