"""Evidence export: selection → redacted clips, report, manifest and signature in a package; and its verification.

Callers import from here. Inside: ``selection`` resolves what was chosen into segments and audit rows, ``clips``
renders the redacted clips, ``report`` builds the report's content (rendered to PDF by
:mod:`chronotrace_desktop.reports`), ``files`` stages and names the package, ``tracking`` holds the export rows,
``verify`` checks a package offline, ``service`` is the :class:`ExportService` facade.
"""

from chronotrace_desktop.services.export.service import ExportService
from chronotrace_desktop.services.export.verify import verify_package

__all__ = ["ExportService", "verify_package"]
