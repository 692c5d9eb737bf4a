"""Pure-Python core of the Starlink reports (no ``odoo`` import): the report's figures,
its periods and retry delays, and its XLSX workbook."""
