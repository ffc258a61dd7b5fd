"""Evidence export: selection → redacted clips, report and manifest, as one package (folder or zip).

Callers import from here. Inside: ``selection`` resolves what was chosen into segments and audit rows, ``clips``
renders the redacted clips, ``report`` builds the report's content (rendered to PDF by
:mod:`chronotrace_desktop.reports`), ``files`` stages and names the package, ``tracking`` holds the export rows,
``service`` is the :class:`ExportService` facade. Checking a package offline is
:mod:`chronotrace_desktop.services.verification` (standard library and domain only, for the light verifier).
"""

from chronotrace_desktop.services.export.service import ExportService

__all__ = ["ExportService"]
