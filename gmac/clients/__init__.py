"""Clients of the systems gmac talks to, knowing nothing of specs or policy: the one HTTP path
(`http`: rate limits, timeouts, retries, errors without credentials) and the APIs built on it.
The providers, the health checks and the observe commands all reach the outside through here.
"""
