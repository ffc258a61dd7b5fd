"""The team's ingest queue: files become jobs in the team PostgreSQL (procrastinate), worked by any machine.

``queue`` is the :class:`IngestQueue` the front ends call (enqueue, list, cancel, retry, the live workers);
``runner`` is :class:`IngestWorker`, the ``chronotrace worker`` process (the task that runs the ingest pipeline
for one file as the user who queued it, its heartbeat row, the recovery of a killed worker's jobs); ``store``
holds their SQL beside procrastinate's tables; ``connection`` turns the installation's database into
procrastinate's psycopg connector.
"""

from chronotrace_desktop.services.jobs.health import queue_health
from chronotrace_desktop.services.jobs.queue import IngestQueue
from chronotrace_desktop.services.jobs.runner import IngestWorker, WorkerOptions

__all__ = ["IngestQueue", "IngestWorker", "WorkerOptions", "queue_health"]
