"""Pure-Python helpers of the client portal (no ``odoo`` import): date ranges, grouping of
daily usage by week or month, performance summaries and the CSV/XLSX export files."""
