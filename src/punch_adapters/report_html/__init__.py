"""The self-contained report page (``report.html`` of ``punch analyze``, and the shared report's HTML view).

One HTML file with inline CSS and SVG charts, no script and no outside address, from the report JSON.
"""

from punch_adapters.report_html.page import render_report_html

__all__ = ["render_report_html"]
