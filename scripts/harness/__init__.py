"""The process harness shared by ``scripts/`` (soak, faults, kill-seed, Schemathesis), ``bench/`` and the
reliability tests: one way to start and stop a server, make a scratch database and drive wrk.

- ``processes``: child environments, the ``briefing`` command, ``Server`` (any command serving HTTP on a
  free port: readiness waiting, start-to-ready time, clean stop by process group);
- ``databases``: scratch PostgreSQL databases and temp data directories;
- ``wrk``: finding or installing wrk, one run, its numbers parsed;
- ``seed_versions``: the "version A / version B" seed pair and reading which one a database holds;
- ``seed_trace``: a ``briefing seed`` that reports where in its write transaction it is, and killing it.

Everything binds to 127.0.0.1, every wait is bounded, and every process started here is stopped by its id.
"""
